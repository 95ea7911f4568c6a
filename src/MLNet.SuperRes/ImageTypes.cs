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

    /// <summary>
    /// The output shape of a stage that reads the scalar column <paramref name="inputName"/> (refused, worded as
    /// ML.NET words it, unless <paramref name="accepts"/> its item type) and adds the image column <paramref name="outputName"/>.
    /// </summary>
    public static SchemaShape WithImageColumn(SchemaShape inputSchema, string inputName, string outputName,
        Func<DataViewType, bool> accepts, string expected)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (inputSchema.Where(c => c.Name == inputName).Cast<SchemaShape.Column?>().LastOrDefault() is not SchemaShape.Column column)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Could not find input column '{inputName}'");
        if (column.Kind != SchemaShape.Column.VectorKind.Scalar || !accepts(column.ItemType))
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Schema mismatch for input column '{inputName}': expected {expected}, got {Describe(column)}");
        var output = ShapeColumn(outputName);
        return new SchemaShape(inputSchema.Where(c => c.Name != output.Name).Append(output));
    }

    private static string Describe(SchemaShape.Column column) => column.Kind switch
    {
        SchemaShape.Column.VectorKind.Vector => $"Vector<{column.ItemType}>",
        SchemaShape.Column.VectorKind.VariableVector => $"VarVector<{column.ItemType}>",
        _ => column.ItemType.ToString() ?? "",
    };

    private static ImageDataViewType Register()
    {
        var type = new ImageDataViewType();
        DataViewTypeManager.Register(type, typeof(MLImage), (DataViewTypeAttribute?)null);
        return type;
    }
}
