// Upscales an image file, or every image in a folder, with HSPAN: the embedded default model for the
// scale, or an ONNX model of your own.
//
//   dotnet run -c Release --project samples/Upscale -- IN OUT [--scale 2] [options]
//
// IN is an image (PNG, JPEG, BMP, GIF, TIFF, WebP, TGA) or a folder of them; OUT is then a file, whose
// extension picks the format, or a folder, which gets one PNG per input.
using System.Diagnostics;
using Microsoft.ML.Data;
using MLNet.SuperRes;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Upscale;

const string Usage = """
    Usage: Upscale IN OUT [options]
      IN                  an image file, or a folder of images
      OUT                 the output file (its extension picks the format), or a folder (PNG files)
      --scale S           2, 3 or 4 (default 2); with --model, checked against the model's own scale
      --model FILE.onnx   an HSPAN-style ONNX model instead of the embedded default
      --provider P        auto (CUDA when it starts, else CPU; the default), cuda, or cpu
      --gpu N             CUDA device number (default 0)
      --tile N            tile side in input pixels (default 40, from the attention memory budget)
      --overlap N         pixels shared by neighbouring tiles, at least (default 4)
      --threads N         ONNX Runtime threads on the CPU (default: ONNX Runtime's choice)
      --self-ensemble     average the 8 flips and rotations (about 8x slower, a little sharper)
      --compare FILE      also write FILE: bicubic (left) beside HSPAN (right); single images only
      --compare-region X,Y,W,H   compare only this part of the input, enlarged to 400+ px a side
    """;

UpscaleArguments arguments;
try
{
    arguments = UpscaleArguments.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}

List<(string Input, string Output)> jobs;
try
{
    jobs = arguments.Jobs();
}
catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

SuperResolver resolver;
var setup = Stopwatch.StartNew();
try
{
    resolver = new SuperResolver(arguments.ToOptions());
}
catch (Exception e) when (e is InvalidOperationException or ArgumentException or FileNotFoundException or InvalidDataException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

using (resolver)
{
    string model = arguments.ModelPath ?? $"embedded hspan-x{resolver.Scale}";
    Console.WriteLine($"{model}, x{resolver.Scale}, {resolver.ExecutionProvider}, tiles of {resolver.TileSize} px " +
                      $"(ready in {setup.Elapsed.TotalSeconds:F1} s)");
    if (arguments.Provider == "auto" && resolver.ExecutionProvider == "CPU")
        Console.WriteLine("CUDA did not start (no GPU, or no CUDA 13 / cuDNN 9 libraries); running on the CPU.");

    var progress = new ProgressBar(jobs.Count, enabled: jobs.Count > 1);
    int failed = 0;
    var total = Stopwatch.StartNew();
    foreach (var (input, output) in jobs)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var image = ImageFile.Load(input);
            if (arguments.ComparePath is not null)
                ImageFile.ComparisonRegion(image, arguments.CompareRegion);
            using var upscaled = resolver.Upscale(image.Pixels, image.Width, image.Height, MLPixelFormat.Rgba32);
            ImageFile.Save(upscaled, output);
            if (arguments.ComparePath is string comparePath)
                ImageFile.SaveComparison(image, upscaled, comparePath, arguments.CompareRegion);
            progress.Report($"{Path.GetFileName(input)} {image.Width}x{image.Height} -> {upscaled.Width}x{upscaled.Height} " +
                            $"in {clock.Elapsed.TotalSeconds:F2} s: {output}");
        }
        catch (Exception e) when (e is IOException or UnknownImageFormatException or InvalidImageContentException
                                      or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            failed++;
            progress.Report($"{Path.GetFileName(input)} FAILED: {e.Message}");
        }
    }
    progress.Finish();
    if (jobs.Count > 1)
        Console.WriteLine($"{jobs.Count - failed} of {jobs.Count} images in {total.Elapsed.TotalSeconds:F1} s" +
                          (failed > 0 ? $"; {failed} failed" : ""));
    return failed == 0 ? 0 : 1;
}
