using System.Globalization;
using System.Net.Http;

namespace GitSync.Tests.Infrastructure;

/// <summary>Talks to git-sync's HTTP endpoint with a real HTTP client.</summary>
public static class MetricsScraper
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>GET http://127.0.0.1:PORT/metrics, parsed into "name{labels}" → value.</summary>
    public static Task<IReadOnlyDictionary<string, double>> ScrapeAsync(int port) => ScrapeAsync("127.0.0.1", port);

    /// <summary>GET http://HOST:PORT/metrics, parsed into "name{labels}" → value.</summary>
    public static async Task<IReadOnlyDictionary<string, double>> ScrapeAsync(string host, int port)
    {
        using HttpResponseMessage response = await Client.GetAsync(new Uri($"http://{host}:{port}/metrics")).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"/metrics answered {(int)response.StatusCode}: {body}");
        }

        return Parse(body);
    }

    /// <summary>Status code of GET <paramref name="path"/>, or null when nothing answers (not listening yet).</summary>
    public static async Task<int?> StatusAsync(int port, string path = "/")
    {
        try
        {
            using HttpResponseMessage response = await Client.GetAsync(new Uri($"http://127.0.0.1:{port}{path}")).ConfigureAwait(false);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Value of a sample, 0 when absent (a counter that was never incremented may not be exported).</summary>
    public static double Value(IReadOnlyDictionary<string, double> metrics, string name, string? labels = null) =>
        metrics.TryGetValue(Key(name, labels), out double value) ? value : 0;

    /// <summary>Canonical key: labels sorted by name, e.g. <c>git_sync_count_total{status="success"}</c>.</summary>
    public static string Key(string name, string? labels = null)
    {
        if (string.IsNullOrEmpty(labels))
        {
            return name;
        }

        IEnumerable<string> pairs = SplitLabels(labels).OrderBy(p => p, StringComparer.Ordinal);
        return $"{name}{{{string.Join(',', pairs)}}}";
    }

    /// <summary>Parses the Prometheus text exposition format (comments and HELP/TYPE lines skipped).</summary>
    public static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            string name;
            string? labels = null;
            string rest;
            int brace = line.IndexOf('{', StringComparison.Ordinal);
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (brace >= 0 && (space < 0 || brace < space))
            {
                int close = line.LastIndexOf('}');
                name = line[..brace];
                labels = line[(brace + 1)..close];
                rest = line[(close + 1)..].Trim();
            }
            else
            {
                name = line[..space];
                rest = line[(space + 1)..].Trim();
            }

            // A sample may carry a timestamp after the value.
            string valueText = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            samples[Key(name, labels)] = ParseValue(valueText);
        }

        return samples;
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static List<string> SplitLabels(string labels)
    {
        // Split on commas outside quoted label values.
        var pairs = new List<string>();
        int start = 0;
        bool quoted = false;
        for (int i = 0; i < labels.Length; i++)
        {
            char c = labels[i];
            if (c == '\\' && quoted)
            {
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                pairs.Add(labels[start..i].Trim());
                start = i + 1;
            }
        }

        string last = labels[start..].Trim();
        if (last.Length > 0)
        {
            pairs.Add(last);
        }

        return pairs;
    }
}
