using Prometheus;

namespace GitSync.Metrics;

/// <summary>
/// <c>--ref-semver</c>'s metrics, in git-sync's registry: the release tag served, and the newest
/// tag in range while the signature gate refuses it. Each is one labelled series at most.
/// </summary>
internal sealed class ReleaseMetrics
{
    private readonly Gauge _served;
    private readonly Gauge _rejected;
    private readonly Lock _gate = new();
    private string[]? _servedLabels;
    private string[]? _rejectedLabels;

    public ReleaseMetrics(SyncMetrics metrics)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(metrics.Registry);
        _served = factory.CreateGauge("git_sync_ref_semver_info", "The release tag served for --ref-semver, with its version and the range, as labels; the value is always 1",
            new GaugeConfiguration { LabelNames = ["range", "tag", "version"] });
        _rejected = factory.CreateGauge("git_sync_ref_semver_rejected_info", "The newest tag in the --ref-semver range while the signature gate refuses it (and nothing older is published instead), as labels; the value is always 1",
            new GaugeConfiguration { LabelNames = ["tag", "version", "result"] });
    }

    /// <summary>The link serves <paramref name="tag"/>; any refusal is over.</summary>
    public void Served(string range, string tag, string version)
    {
        lock (_gate)
        {
            Replace(_served, ref _servedLabels, [range, tag, version]);
            Replace(_rejected, ref _rejectedLabels, null);
        }
    }

    /// <summary>The newest tag in range was refused with <paramref name="result"/> (unsigned, untrusted, …).</summary>
    public void Rejected(string tag, string version, string result)
    {
        lock (_gate)
        {
            Replace(_rejected, ref _rejectedLabels, [tag, version, result]);
        }
    }

    private static void Replace(Gauge gauge, ref string[]? current, string[]? labels)
    {
        if (current is not null && (labels is null || !current.AsSpan().SequenceEqual(labels)))
        {
            gauge.RemoveLabelled(current);
        }
        if (labels is not null)
        {
            gauge.WithLabels(labels).Set(1);
        }
        current = labels;
    }
}
