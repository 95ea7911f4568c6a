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
