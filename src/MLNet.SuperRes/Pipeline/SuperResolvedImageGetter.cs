using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SuperRes.Pipeline;

/// <summary>
/// The output value of one row or cursor: super-resolves the input image the first time the current row
/// is read and keeps the pixels, so reading the column twice runs the network once. Like ML.NET's image
/// getters, each read hands out a new <see cref="MLImage"/> and disposes the one the caller's variable held.
/// A missing (null) input image gives a missing output, as in ML.NET's image transforms.
/// </summary>
internal sealed class SuperResolvedImageGetter
{
    private readonly DataViewRow _input;
    private readonly ValueGetter<MLImage> _inputGetter;
    private readonly SuperResolver _resolver;
    private readonly string _inputColumnName;

    private long _cachedPosition = -1;
    private MLImage? _inputImage;
    private byte[]? _pixels;
    private int _width, _height;
    private MLPixelFormat _format;
    private string? _tag;

    public SuperResolvedImageGetter(DataViewRow input, ImageColumnBinding binding, SuperResolver resolver)
    {
        _input = input;
        _inputGetter = input.GetGetter<MLImage>(input.Schema[binding.InputColumnIndex]);
        _resolver = resolver;
        _inputColumnName = binding.InputColumnName;
    }

    public void Get(ref MLImage value)
    {
        if (_cachedPosition != _input.Position)
        {
            Compute();
            _cachedPosition = _input.Position;
        }

        MLImage? result = null;
        if (_pixels is not null)
        {
            result = MLImage.CreateFromPixels(_width, _height, _format, _pixels);
            result.Tag = _tag;
        }
        value?.Dispose();
        value = result!;
    }

    private void Compute()
    {
        _pixels = null;
        _inputGetter(ref _inputImage!);
        if (_inputImage is null)
            return;
        try
        {
            _pixels = _resolver.UpscalePixels(_inputImage, out int width, out int height);
            _width = width * _resolver.Scale;
            _height = height * _resolver.Scale;
            _format = _inputImage.PixelFormat;
            _tag = _inputImage.Tag;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"SuperResolve could not process the image in column '{_inputColumnName}' at row {_input.Position}: {e.Message}", e);
        }
    }
}

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
