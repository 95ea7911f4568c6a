using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SuperRes.Pipeline;

/// <summary>A single row with the super-resolved column added, as the row mapper (PredictionEngine) uses it.</summary>
internal sealed class SuperResolvingRow : DataViewRow
{
    private readonly DataViewRow _input;
    private readonly ImageColumnBinding _binding;
    private readonly SuperResolvedImageGetter? _output;

    public SuperResolvingRow(DataViewRow input, ImageColumnBinding binding, SuperResolver resolver, bool outputActive)
    {
        _input = input;
        _binding = binding;
        _output = outputActive ? new SuperResolvedImageGetter(input, binding, resolver) : null;
    }

    public override DataViewSchema Schema => _binding.OutputSchema;

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        ExtendedRowGetters.IsColumnActive(_input, _binding, _output, column);

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
        ExtendedRowGetters.GetGetter<TValue>(_input, _binding, _output, column);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _input.Dispose();
        base.Dispose(disposing);
    }
}
