using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SuperRes.Pipeline;

/// <summary>Getters of a row extended with the super-resolved column; shared by the cursor and the row mapper.</summary>
internal static class ExtendedRowGetters
{
    public static ValueGetter<TValue> GetGetter<TValue>(DataViewRow input, ImageColumnBinding binding,
        SuperResolvedImageGetter? output, DataViewSchema.Column column)
    {
        if (column.Index != binding.OutputColumnIndex)
            return input.GetGetter<TValue>(input.Schema[column.Index]);
        if (output is null)
            throw new InvalidOperationException($"Column '{column.Name}' is not active in this row or cursor.");
        if (typeof(TValue) != typeof(MLImage))
            throw new InvalidOperationException(
                $"Invalid TValue in GetGetter: '{typeof(TValue)}', expected type: '{typeof(MLImage)}' for column '{column.Name}'.");
        ValueGetter<MLImage> getter = output.Get;
        return (ValueGetter<TValue>)(Delegate)getter;
    }

    public static bool IsColumnActive(DataViewRow input, ImageColumnBinding binding, SuperResolvedImageGetter? output,
        DataViewSchema.Column column) =>
        column.Index == binding.OutputColumnIndex ? output is not null : input.IsColumnActive(input.Schema[column.Index]);
}
