using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace GitSync.Http;

/// <summary>
/// One request and its answer, straight on Kestrel's feature interfaces (Kestrel's connection
/// object implements them all, so every accessor is a type check, and nothing is allocated per
/// request): what the handlers need and nothing more.
/// </summary>
internal readonly struct HttpExchange(IFeatureCollection features)
{
    private IHttpRequestFeature Request => features.GetRequiredFeature<IHttpRequestFeature>();

    private IHttpResponseFeature Response => features.GetRequiredFeature<IHttpResponseFeature>();

    public string Method => Request.Method;

    /// <summary>The path, percent-decoded, without the query.</summary>
    public string Path => Request.Path;

    public IHeaderDictionary RequestHeaders => Request.Headers;

    public IHeaderDictionary ResponseHeaders => Response.Headers;

    public IPAddress? RemoteAddress => features.Get<IHttpConnectionFeature>()?.RemoteIpAddress;

    public string ConnectionId => features.GetRequiredFeature<IHttpConnectionFeature>().ConnectionId;

    /// <summary>The request announces a body (a Content-Length above 0, or chunked).</summary>
    public bool HasBody => features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? false;

    public PipeReader Body => features.GetRequiredFeature<IRequestBodyPipeFeature>().Reader;

    public Stream ResponseStream => features.GetRequiredFeature<IHttpResponseBodyFeature>().Stream;

    /// <summary>The most body bytes Kestrel lets this request's handler read (0 unless raised).</summary>
    public long? MaxBodyBytes
    {
        set
        {
            if (features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = value;
            }
        }
    }

    /// <summary>
    /// Ends the connection after this answer instead of keeping it for another request. With the
    /// server's body limit at 0, a body nobody read is then not drained either: the connection
    /// closes as soon as the answer is out.
    /// </summary>
    public void CloseAfterAnswer() => Response.Headers.Connection = "close";

    public void SetStatus(int status) => Response.StatusCode = status;

    /// <summary>Answers <paramref name="status"/> with a complete body of known length.</summary>
    public async Task AnswerAsync(int status, string contentType, ReadOnlyMemory<byte> body, CancellationToken cancel)
    {
        var response = Response;
        response.StatusCode = status;
        response.Headers.ContentType = contentType;
        response.Headers.ContentLength = body.Length;
        if (body.Length > 0 && !HttpMethods.IsHead(Method))
        {
            await features.GetRequiredFeature<IHttpResponseBodyFeature>().Writer.WriteAsync(body, cancel).ConfigureAwait(false);
        }
    }
}
