using MLNet.SuperRes;

namespace MLNet.SuperRes.Tests;

/// <summary>The package's public types are decided on purpose: a type made public by accident fails here.</summary>
public sealed class PublicApiTests
{
    [Fact]
    public void ThePackageExportsOnlyTheProduct()
    {
        var exported = typeof(SuperResolver).Assembly.GetExportedTypes().Select(t => t.FullName!).Order(StringComparer.Ordinal);
        Assert.Equal(
        [
            "MLNet.SuperRes.CheckedImageLoadingEstimator",
            "MLNet.SuperRes.ImageFileInfo",
            "MLNet.SuperRes.ImageFiles",
            "MLNet.SuperRes.ImageMetadata",
            "MLNet.SuperRes.ModelPrecision",
            "MLNet.SuperRes.SuperResolutionEstimator",
            "MLNet.SuperRes.SuperResolutionOptions",
            "MLNet.SuperRes.SuperResolutionProgress",
            "MLNet.SuperRes.SuperResolutionTransformer",
            "MLNet.SuperRes.SuperResolver",
            "MLNet.SuperRes.TilePlan",
            "MLNet.SuperRes.UpscaledFile",
            "Microsoft.ML.SuperResolutionCatalog",
        ], exported);
    }
}
