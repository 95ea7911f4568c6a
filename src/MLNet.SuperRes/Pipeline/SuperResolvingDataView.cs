using Microsoft.ML;

namespace MLNet.SuperRes.Pipeline;

/// <summary>
/// The lazy result of <see cref="SuperResolutionTransformer.Transform(IDataView)"/>: nothing is computed
/// until a cursor reads the output column.
/// </summary>
internal sealed class SuperResolvingDataView : IDataView
{
    private readonly IDataView _input;
    private readonly ImageColumnBinding _binding;
    private readonly SuperResolver _resolver;

    public SuperResolvingDataView(IDataView input, ImageColumnBinding binding, SuperResolver resolver)
    {
        _input = input;
        _binding = binding;
        _resolver = resolver;
    }

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema => _binding.OutputSchema;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        var input = _input.GetRowCursor(_binding.InputColumnsFor(needed), rand);
        return new SuperResolvingCursor(input, _binding, _resolver, _binding.NeedsOutput(needed));
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        bool outputActive = _binding.NeedsOutput(needed);
        return _input.GetRowCursorSet(_binding.InputColumnsFor(needed), n, rand)
            .Select(cursor => (DataViewRowCursor)new SuperResolvingCursor(cursor, _binding, _resolver, outputActive))
            .ToArray();
    }
}
