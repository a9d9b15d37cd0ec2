using System.Text.Json;
using GitSync.Git;
using GitSync.Logging;
using GitSync.Platform;

namespace GitSync.Sync;

/// <summary>The touch file and the error file that other processes watch.</summary>
internal sealed class StatusFiles(LoopOptions options, Log log)
{
    public void Touch()
    {
        if (options.TouchFile is null)
        {
            return;
        }
        try
        {
            Filesystem.Touch(options.TouchFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error(IoErrors.Describe("touch the --touch-file", options.TouchFile, e), "can't touch the touch file", ("path", options.TouchFile));
        }
    }

    /// <summary>
    /// Writes the error as JSON (<c>Msg</c>, <c>Err</c>, <c>Args</c>, as upstream does, then the
    /// failure's <c>Class</c> and <c>Hint</c>); secrets redacted.
    /// </summary>
    public void WriteError(string msg, string error, Failure? failure = null)
    {
        if (options.ErrorFile is null)
        {
            return;
        }
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("Msg", log.Redactor.Redact(msg));
            w.WriteString("Err", log.Redactor.Redact(error));
            w.WriteStartObject("Args");
            w.WriteEndObject();
            if (failure is not null)
            {
                w.WriteString("Class", failure.Class.Name);
                w.WriteString("Hint", log.Redactor.Redact(failure.Hint));
            }
            w.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        try
        {
            Filesystem.WriteAtomic(options.ErrorFile, buffer.ToArray());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error(IoErrors.Describe("write the --error-file", options.ErrorFile, e), "can't write the error file", ("path", options.ErrorFile));
        }
    }

    public void ClearError()
    {
        if (options.ErrorFile is null)
        {
            return;
        }
        try
        {
            File.Delete(options.ErrorFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error(IoErrors.Describe("remove the --error-file", options.ErrorFile, e), "can't remove the error file", ("path", options.ErrorFile));
        }
    }

    /// <summary>For configuration errors: the plain one-line message, where an error file was asked for.</summary>
    public static void WriteConfigError(string? path, string message)
    {
        if (path is null)
        {
            return;
        }
        try
        {
            Filesystem.WriteAtomic(path, System.Text.Encoding.UTF8.GetBytes(message + "\n"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The message is on stderr already.
        }
    }
}
