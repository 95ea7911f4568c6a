using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MLNet.SuperRes.Persistence;

namespace MLNet.SuperRes;

/// <summary>
/// The ML.NET column type of super-resolved images, and its registration for <see cref="MLImage"/> members
/// without attributes (what CustomMapping and PredictionEngine need to map an MLImage property).
/// </summary>
internal static class ImageTypes
{
    /// <summary>
    /// Image of unknown size, as LoadImages produces. The output column always has this type, in memory and
    /// after loading a saved model alike.
    /// </summary>
    public static readonly ImageDataViewType Unsized = Register();

    /// <summary>Makes sure <see cref="MLImage"/> maps to <see cref="Unsized"/>; idempotent.</summary>
    public static void EnsureRegistered() => _ = Unsized;

    /// <summary>
    /// The schema-shape column of an output image named <paramref name="name"/>. SchemaShape.Column has no
    /// public constructor, so it is taken from the output shape of a CustomMapping producing such a column.
    /// </summary>
    public static SchemaShape.Column ShapeColumn(string name)
    {
        EnsureRegistered();
        var outputDefinition = SchemaDefinition.Create(typeof(SavedOutputRow));
        outputDefinition[0].ColumnName = name;
        var estimator = new MLContext().Transforms.CustomMapping<NoColumns, SavedOutputRow>(
            (_, _) => { }, contractName: null, outputSchemaDefinition: outputDefinition);
        return estimator.GetOutputSchema(new SchemaShape([])).Single(c => c.Name == name);
    }

    private static ImageDataViewType Register()
    {
        var type = new ImageDataViewType();
        DataViewTypeManager.Register(type, typeof(MLImage), (DataViewTypeAttribute?)null);
        return type;
    }
}
