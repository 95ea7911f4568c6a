using Microsoft.ML;
using Microsoft.ML.Transforms.Image;

namespace MLNet.SuperRes.Pipeline;

/// <summary>
/// How a SuperResolve stage sits on an input schema: which input column it reads, and the output schema
/// (every input column, then the output image column, which hides an input column of the same name).
/// </summary>
internal sealed class ImageColumnBinding
{
    private ImageColumnBinding(DataViewSchema inputSchema, DataViewSchema outputSchema, int inputColumnIndex)
    {
        InputSchema = inputSchema;
        OutputSchema = outputSchema;
        InputColumnIndex = inputColumnIndex;
        OutputColumnIndex = inputSchema.Count;
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public int InputColumnIndex { get; }

    public int OutputColumnIndex { get; }

    public string InputColumnName => InputSchema[InputColumnIndex].Name;

    public static ImageColumnBinding Create(DataViewSchema inputSchema, string inputColumnName, string outputColumnName)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var column = FindImageColumn(inputSchema, inputColumnName);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(outputColumnName, ImageTypes.Unsized);
        return new ImageColumnBinding(inputSchema, builder.ToSchema(), column.Index);
    }

    /// <summary>The check shared by the estimator and the transformer, worded as ML.NET words it.</summary>
    public static DataViewSchema.Column FindImageColumn(DataViewSchema inputSchema, string inputColumnName)
    {
        if (inputSchema.GetColumnOrNull(inputColumnName) is not DataViewSchema.Column column)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Could not find input column '{inputColumnName}'");
        if (column.Type is not ImageDataViewType)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Schema mismatch for input column '{inputColumnName}': expected Image, got {column.Type}");
        return column;
    }

    /// <summary>The input columns needed to compute the given output columns.</summary>
    public IEnumerable<DataViewSchema.Column> InputColumnsFor(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var needed = new SortedSet<int>();
        foreach (var column in outputColumns)
            needed.Add(column.Index == OutputColumnIndex ? InputColumnIndex : column.Index);
        return needed.Select(i => InputSchema[i]);
    }

    public bool NeedsOutput(IEnumerable<DataViewSchema.Column> outputColumns) =>
        outputColumns.Any(c => c.Index == OutputColumnIndex);
}
