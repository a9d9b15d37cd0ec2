using System.Globalization;
using GitSync.Tests.Infrastructure;

namespace GitSync.Tests.TestServers;

/// <summary>
/// The part of an unprivileged nginx configuration every test server shares: one worker in the
/// foreground, and pid, logs and temp directories inside <c>dir</c>. Callers add their server blocks.
/// </summary>
internal static class NginxConfig
{
    public static string Around(TempDir dir, int workerConnections, string servers)
    {
        string P(string name) => dir.Combine(name);
        return string.Create(CultureInfo.InvariantCulture, $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{P("nginx.pid")}};
            error_log {{P("error.log")}} info;
            events { worker_connections {{workerConnections}}; }
            http {
              access_log {{P("access.log")}};
              client_body_temp_path {{P("body")}};
              fastcgi_temp_path {{P("fastcgi")}};
              proxy_temp_path {{P("proxy")}};
              uwsgi_temp_path {{P("uwsgi")}};
              scgi_temp_path {{P("scgi")}};
            {{servers}}
            }
            """);
    }
}
