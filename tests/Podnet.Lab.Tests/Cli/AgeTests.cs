using Podnet.Cli.Output;

namespace Podnet.Lab.Tests.Cli;

public class AgeTests
{
    [Theory]
    [InlineData(-5, "<invalid>")]
    [InlineData(-1, "0s")]
    [InlineData(0, "0s")]
    [InlineData(5, "5s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(192, "3m12s")]
    [InlineData(599, "9m59s")]
    [InlineData(600, "10m")]
    [InlineData(179 * 60 + 59, "179m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(5 * 3600 + 3 * 60 + 10, "5h3m")]
    [InlineData(8 * 3600, "8h")]
    [InlineData(47 * 3600 + 59 * 60, "47h")]
    [InlineData(48 * 3600, "2d")]
    [InlineData(52 * 3600, "2d4h")]
    [InlineData(8 * 86400, "8d")]
    [InlineData(400 * 86400, "400d")]
    [InlineData(2 * 365 * 86400, "2y")]
    [InlineData(760 * 86400, "2y30d")]
    [InlineData(9 * 365 * 86400, "9y")]
    public void Formats_like_kubectl(long seconds, string expected) =>
        Assert.Equal(expected, Age.Format(TimeSpan.FromSeconds(seconds) + TimeSpan.FromMilliseconds(seconds >= 0 ? 400 : 0)));

    [Fact]
    public void Missing_timestamp_is_unknown() => Assert.Equal("<unknown>", Age.Since(null, DateTimeOffset.UtcNow));
}
