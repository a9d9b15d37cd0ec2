using Xunit;

namespace GitSync.Tests.Infrastructure;

/// <summary>The test infrastructure itself: if these fail, end-to-end failures mean nothing.</summary>
public sealed class InfrastructureTests
{
    [Fact]
    public void Parses_prometheus_text_with_labels_in_any_order()
    {
        const string text = """
            # HELP git_sync_count_total How many git syncs completed, partitioned by state
            # TYPE git_sync_count_total counter
            git_sync_count_total{status="success"} 2
            git_sync_count_total{status="noop"} 17
            git_sync_duration_seconds_sum{status="success"} 0.0421
            git_sync_duration_seconds{status="success",quantile="0.5"} NaN
            git_fetch_count_total 3
            process_resident_memory_bytes 2.1e+07 1700000000000
            """;

        IReadOnlyDictionary<string, double> metrics = MetricsScraper.Parse(text);

        Assert.Equal(2, MetricsScraper.Value(metrics, "git_sync_count_total", "status=\"success\""));
        Assert.Equal(17, MetricsScraper.Value(metrics, "git_sync_count_total", "status=\"noop\""));
        Assert.Equal(0, MetricsScraper.Value(metrics, "git_sync_count_total", "status=\"error\""));
        Assert.Equal(0.0421, MetricsScraper.Value(metrics, "git_sync_duration_seconds_sum", "status=\"success\""));
        Assert.True(double.IsNaN(MetricsScraper.Value(metrics, "git_sync_duration_seconds", "quantile=\"0.5\",status=\"success\"")));
        Assert.Equal(3, MetricsScraper.Value(metrics, "git_fetch_count_total"));
        Assert.Equal(2.1e7, MetricsScraper.Value(metrics, "process_resident_memory_bytes"));
    }

    [Fact]
    public void Builds_real_repositories_with_branches_and_tags()
    {
        using TestRepo repo = TestRepo.Create(branch: "e2e-branch");
        string first = repo.Commit("file", "v1");
        string annotated = repo.Tag("v1", annotated: true);
        string second = repo.Commit("dir/file", "v2");

        Assert.Matches("^[0-9a-f]{40}$", first);
        Assert.Equal(first, annotated);
        Assert.NotEqual(first, repo.RevParse("v1"));
        Assert.Equal(second, repo.Head);
        Assert.Equal("e2e-branch", repo.CurrentBranch);
        Assert.Equal(["dir/file", "file"], repo.Files(second));
        Assert.Equal("v2", repo.ShowExact(second, "dir/file"));
        Assert.Equal(first, repo.ResetHard("HEAD^"));
        Assert.StartsWith("file:///", repo.Url, StringComparison.Ordinal);
    }

    [Fact]
    public void Finds_a_free_port()
    {
        int port = Ports.Free();

        Assert.InRange(port, 1, 65535);
    }

    [Fact]
    public void Reads_own_process_from_proc()
    {
        ProcessEntry? self = ProcessTable.Read(Environment.ProcessId);

        Assert.NotNull(self);
        Assert.False(self.IsZombie);
        Assert.Contains(ProcessTable.Snapshot(), p => p.Pid == Environment.ProcessId);
    }
}
