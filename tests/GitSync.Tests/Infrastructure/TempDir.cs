namespace GitSync.Tests.Infrastructure;

/// <summary>A fresh directory under the system temp dir, removed (best effort) on dispose.</summary>
public sealed class TempDir : IDisposable
{
    private TempDir(string path) => Path = path;

    public string Path { get; }

    public static TempDir Create(string prefix = "dir")
    {
        DirectoryInfo info = Directory.CreateTempSubdirectory($"gitsync-e2e-{prefix}-");
        return new TempDir(info.FullName);
    }

    /// <summary>A path inside this directory (not created).</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public override string ToString() => Path;

    public void Dispose()
    {
        for (int attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Directory.Exists(Path))
                {
                    Directory.Delete(Path, recursive: true);
                }

                return;
            }
            catch (IOException)
            {
                // A process we just killed may still be releasing files; try again shortly.
                Thread.Sleep(50);
            }
            catch (UnauthorizedAccessException)
            {
                Thread.Sleep(50);
            }
        }
    }
}
