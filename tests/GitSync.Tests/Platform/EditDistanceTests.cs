using GitSync.Platform;
using Xunit;

namespace GitSync.Tests.Platform;

public sealed class EditDistanceTests
{
    [Theory]
    [InlineData("", "", 0)]
    [InlineData("main", "main", 0)]
    [InlineData("main", "", 4)]
    [InlineData("main", "mian", 1)]
    [InlineData("master", "main", 4)]
    [InlineData("release-1.2", "release-1.3", 1)]
    [InlineData("period", "perod", 1)]
    [InlineData("v1.2.3", "v1.2.30", 1)]
    public void Counts_inserts_deletes_substitutions_and_neighbour_swaps_as_one_edit_each(string a, string b, int expected)
    {
        Assert.Equal(expected, EditDistance.Between(a, b));
        Assert.Equal(expected, EditDistance.Between(b, a));
    }

    [Fact]
    public void Ignores_case_only_when_asked()
    {
        Assert.Equal(4, EditDistance.Between("MAIN", "main"));
        Assert.Equal(0, EditDistance.Between("MAIN", "main", ignoreCase: true));
        Assert.Equal(1, EditDistance.Between("Mian", "main", ignoreCase: true));
    }

    [Fact]
    public void Never_compares_strings_longer_than_the_cap()
    {
        string huge = new('a', EditDistance.MaxLength + 1);
        Assert.Equal(int.MaxValue, EditDistance.Between(huge, "a"));
        Assert.Equal(int.MaxValue, EditDistance.Between("a", huge));
    }
}
