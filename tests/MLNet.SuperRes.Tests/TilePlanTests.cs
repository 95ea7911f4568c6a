using MLNet.SuperRes.Engine;
using Xunit;

namespace MLNet.SuperRes.Tests;

/// <summary>
/// The tile plan: the mirrored margin (4 pixels a side) never adds a row or column of tiles where a tile a little
/// longer covers the axis with the count the image alone needs, within the largest tile the plan allows.
/// </summary>
public sealed class TilePlanTests
{
    private static readonly TilePlan Automatic = TilePlan.ForHspan(new SuperResolutionOptions(), holdsAttentionScores: false);

    [Theory]
    [InlineData(256, 42, 7)]  // 264 with the margin: 8 tiles of 40, 7 of 42
    [InlineData(100, 40, 3)]  // 108: three tiles of 40 already cover it
    [InlineData(36, 44, 1)]   // 44: one tile of 44 rather than two of 40
    [InlineData(1000, 40, 28)] // 1008: 28 tiles of 40, as for 1000
    [InlineData(250, 41, 7)]  // 258: 8 tiles of 40, 7 of 41
    public void TheMarginAddsNoTileWhereASlightlyLongerOneCovers(int side, int expectedTile, int expectedCount)
    {
        int tile = Automatic.TileLengthFor(side);
        Assert.Equal(expectedTile, tile);
        Assert.Equal(expectedCount, TileLayout.Count(side + 2 * TiledUpscaler.BorderPadding, tile, 4));
        Assert.True(expectedCount <= TileLayout.Count(side, 40, 4) || side <= 40, "never more tiles than the image alone needs");
    }

    [Fact]
    public void EveryAxisFrom16To2000NeedsNoMoreTilesThanWithoutTheMargin_WhereTheGrowthFits()
    {
        for (int side = 16; side <= 2000; side++)
        {
            int tile = Automatic.TileLengthFor(side);
            int padded = side + 2 * TiledUpscaler.BorderPadding;
            Assert.InRange(tile, Math.Min(40, padded), 48);
            Assert.True(TileLayout.Count(padded, tile, 4) <= Math.Max(1, TileLayout.Count(side, 40, 4)), $"side {side}: tile {tile}");
        }
    }

    [Fact]
    public void WithoutRoomToGrowTheTileKeepsItsSize()
    {
        var exact = TilePlan.Exactly(40, 4);
        Assert.Equal(40, exact.TileLengthFor(256));
        Assert.Equal(8, TileLayout.Count(264, 40, 4));
        Assert.Contains("less than half the tile size (40)", Assert.Throws<ArgumentOutOfRangeException>(() => TilePlan.Exactly(40, 20)).Message);
    }

    [Fact]
    public void OnlyAnAutomaticTileGrows_AndWhereScoresAreMaterializedOnlyWithinTheBudget()
    {
        Assert.Equal((40, 48), (Automatic.TileSize, Automatic.LargestTile));
        Assert.Equal(40, TilePlan.ForHspan(new SuperResolutionOptions(), holdsAttentionScores: true).LargestTile); // 10 MiB holds 40 px
        var raised = new SuperResolutionOptions { TileSize = 0, AttentionMemoryBudgetBytes = SuperResolutionOptions.AttentionBytes(44) };
        Assert.Equal((44, 44), (TilePlan.ForHspan(raised, true).TileSize, TilePlan.ForHspan(raised, true).LargestTile));
        Assert.Equal(40, TilePlan.ForHspan(new SuperResolutionOptions { TileSize = 40 }, holdsAttentionScores: false).LargestTile);
        Assert.Equal(0, Automatic.AttentionBytesFor(256, 256));
        Assert.Equal(SuperResolutionOptions.AttentionBytes(40), TilePlan.ForHspan(new SuperResolutionOptions(), true).AttentionBytesFor(256, 256));
    }
}
