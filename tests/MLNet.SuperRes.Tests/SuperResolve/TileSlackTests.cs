using MLNet.SuperRes.Engine;
using Xunit;

namespace MLNet.SuperRes.Tests.SuperResolve;

/// <summary>
/// The mirrored margin (4 pixels a side) never adds a row or column of tiles where a tile a little longer covers
/// the axis with the count the image alone needs, within the largest tile allowed.
/// </summary>
public sealed class TileSlackTests
{
    private sealed class NoNetwork : ITileNetwork
    {
        public int Scale => 2;
        public void Run(Memory<float> input, int height, int width, Memory<float> output) => throw new NotSupportedException();
    }

    [Theory]
    [InlineData(256, 42, 7)]  // 264 with the margin: 8 tiles of 40, 7 of 42
    [InlineData(100, 40, 3)]  // 108: three tiles of 40 already cover it
    [InlineData(36, 44, 1)]   // 44: one tile of 44 rather than two of 40
    [InlineData(1000, 40, 28)] // 1008: 28 tiles of 40, as for 1000
    [InlineData(250, 41, 7)]  // 258: 8 tiles of 40, 7 of 41
    public void TheMarginAddsNoTileWhereASlightlyLongerOneCovers(int side, int expectedTile, int expectedCount)
    {
        var engine = new TiledUpscaler(new NoNetwork(), tileSize: 40, tileOverlap: 4, selfEnsemble: false, largestTile: 48);
        int tile = engine.TileLengthFor(side);
        Assert.Equal(expectedTile, tile);
        Assert.Equal(expectedCount, TileLayout.Count(side + 2 * TiledUpscaler.BorderPadding, tile, 4));
        Assert.True(expectedCount <= TileLayout.Count(side, 40, 4) || side <= 40, "never more tiles than the image alone needs");
    }

    [Fact]
    public void EveryAxisFrom16To2000NeedsNoMoreTilesThanWithoutTheMargin_WhereTheGrowthFits()
    {
        var engine = new TiledUpscaler(new NoNetwork(), tileSize: 40, tileOverlap: 4, selfEnsemble: false, largestTile: 48);
        for (int side = 16; side <= 2000; side++)
        {
            int tile = engine.TileLengthFor(side);
            int padded = side + 2 * TiledUpscaler.BorderPadding;
            Assert.InRange(tile, Math.Min(40, padded), 48);
            Assert.True(TileLayout.Count(padded, tile, 4) <= Math.Max(1, TileLayout.Count(side, 40, 4)), $"side {side}: tile {tile}");
        }
    }

    [Fact]
    public void WithoutRoomToGrowTheTileKeepsItsSize()
    {
        var exact = new TiledUpscaler(new NoNetwork(), tileSize: 40, tileOverlap: 4, selfEnsemble: false);
        Assert.Equal(40, exact.TileLengthFor(256));
        Assert.Equal(8, TileLayout.Count(264, 40, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TiledUpscaler(new NoNetwork(), 40, 4, false, largestTile: 39));
    }

    [Fact]
    public void OnlyAnAutomaticTileGrows_AndWhereScoresAreMaterializedOnlyWithinTheBudget()
    {
        Assert.Equal(48, SuperResolver.LargestTileSize(new SuperResolutionOptions(), 40, attentionMaterialized: false));
        Assert.Equal(40, SuperResolver.LargestTileSize(new SuperResolutionOptions(), 40, attentionMaterialized: true)); // 10 MiB holds 40 px
        Assert.Equal(44, SuperResolver.LargestTileSize(new SuperResolutionOptions { AttentionMemoryBudgetBytes = SuperResolutionOptions.AttentionBytes(44) }, 40, attentionMaterialized: true));
        Assert.Equal(40, SuperResolver.LargestTileSize(new SuperResolutionOptions { TileSize = 40 }, 40, attentionMaterialized: false));
    }
}
