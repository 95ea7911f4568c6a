using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SuperRes.Pipeline;

/// <summary>A cursor over the input with the super-resolved column added.</summary>
internal sealed class SuperResolvingCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor _input;
    private readonly ImageColumnBinding _binding;
    private readonly SuperResolvedImageGetter? _output;

    public SuperResolvingCursor(DataViewRowCursor input, ImageColumnBinding binding, SuperResolver resolver, bool outputActive)
    {
        _input = input;
        _binding = binding;
        _output = outputActive ? new SuperResolvedImageGetter(input, binding, resolver) : null;
    }

    public override DataViewSchema Schema => _binding.OutputSchema;

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override bool MoveNext() => _input.MoveNext();

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
