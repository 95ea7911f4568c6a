using MLNet.SuperRes.Engine;
using Xunit;

namespace MLNet.SuperRes.Tests.Engine;

/// <summary>The pure tile placement and blend weights.</summary>
public sealed class TileLayoutTests
{
    [Theory]
    [InlineData(65, 64, 16)]
    [InlineData(128, 64, 16)]
    [InlineData(512, 64, 16)]
    [InlineData(1000, 48, 8)]
    [InlineData(97, 40, 0)]
    public void Tiles_CoverTheAxis_WithAtLeastTheOverlap_UsingAsFewAsPossible(int length, int tile, int overlap)
    {
        var layout = TileLayout.Create(length, tile, overlap, scale: 2);
        int[] starts = layout.Starts;
        Assert.Equal(0, starts[0]);
        Assert.Equal(length - tile, starts[^1]);
        for (int i = 1; i < starts.Length; i++)
            Assert.InRange(starts[i - 1] + tile - starts[i], overlap, tile - 1);
        int fewest = 1 + (int)Math.Ceiling((length - tile) / (double)(tile - overlap));
        Assert.Equal(fewest, starts.Length);
    }

    [Theory]
    [InlineData(100, 40, 4)]
    [InlineData(97, 40, 12)]
    [InlineData(30, 64, 16)]
    public void TileAt_IsACoveringTile_WeighingMostAtThePixel(int length, int tile, int overlap)
    {
        var layout = TileLayout.Create(length, tile, overlap, scale: 2);
        for (int position = 0; position < length; position++)
        {
            int chosen = layout.TileAt(position);
            int offset = position - layout.Starts[chosen];
            Assert.InRange(offset, 0, layout.TileLength - 1);
            for (int i = 0; i < layout.Starts.Length; i++)
            {
                int other = position - layout.Starts[i];
                if (other >= 0 && other < layout.TileLength)
                    Assert.True(layout.Weights[chosen][offset * 2] >= layout.Weights[i][other * 2], $"position {position}: tile {i} weighs more than tile {chosen}");
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => layout.TileAt(length));
    }

    [Fact]
    public void ShortAxis_IsOneTileOfItsOwnLength()
    {
        var layout = TileLayout.Create(30, 64, 16, scale: 3);
        Assert.Equal([0], layout.Starts);
        Assert.Equal(30, layout.TileLength);
        Assert.All(layout.Weights[0], w => Assert.Equal(1f, w));
    }

    [Theory]
    [InlineData(200, 48, 8, 2)]
    [InlineData(129, 64, 16, 4)]
    [InlineData(70, 64, 2, 3)]
    public void Weights_ArePositiveInTotal_CrossFadeToOne_AndIgnoreTileEdges(int length, int tile, int overlap, int scale)
    {
        var layout = TileLayout.Create(length, tile, overlap, scale);
        Assert.All(layout.TotalWeight, w => Assert.True(w > 0));
        // Two tiles sharing a band: weights add up to 1 (no dip, no bump, hence no seam).
        Assert.All(layout.TotalWeight, w => Assert.Equal(1f, w, 1e-5f));
        // The outermost output pixel of a tile facing a neighbour gets no weight once the band is wide enough.
        if (layout.Starts.Length > 1 && overlap * scale >= 4)
        {
            Assert.Equal(0f, layout.Weights[0][^1]);
            Assert.Equal(0f, layout.Weights[1][0]);
        }
        Assert.Equal(1f, layout.Weights[0][0]);
    }
}
