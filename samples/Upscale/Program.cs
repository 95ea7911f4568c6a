// Upscales an image file, or every image in a folder, with HSPAN: the embedded default model for the
// scale, or an ONNX model of your own.
//
//   dotnet run -c Release --project samples/Upscale -- IN OUT [--scale 2] [options]
//
// IN is an image (PNG, JPEG, BMP, GIF, WebP) or a folder of them; OUT is then a file, whose extension
// picks the format (PNG, JPEG, WebP), or a folder, which gets one PNG per input. Files are read header
// first and written under a temporary name, then renamed: a failure never leaves a partial output.
// A 16-bit PNG is upscaled in 16 bits and written as a 16-bit PNG (JPEG and WebP hold 8 bits).
// On a terminal a live line shows the current image's tiles and ETA; Ctrl+C stops cleanly (exit 130).
using System.Diagnostics;
using Microsoft.ML.Data;
using MLNet.SuperRes;
using Upscale;

const string Usage = """
    Usage: Upscale IN OUT [options]
      IN                  an image file (png, jpg, bmp, gif, webp), or a folder of images
      OUT                 the output file (.png, .jpg or .webp), or a folder (PNG files)
      --scale S           2, 3 or 4 (default 2); with --model, checked against the model's own scale
      --model FILE.onnx   an ONNX super-resolution model of any architecture instead of the default
      --precision P       fp32 (default) or int8: which embedded default model runs (int8: faster on CPUs with VNNI, docs/MODELS.md)
      --input-range R     the model's value range, 1 or 255 (default: its input_range metadata, else 1)
      --color-order O     RGB or BGR (default: its input_color_order metadata, else RGB)
      --size-multiple N   the model needs H and W multiples of N (SwinIR: its window size)
      --provider P        auto (CUDA when it starts, else CPU; the default), cuda, or cpu
      --gpu N             CUDA device number (default 0)
      --tile N            tile side in input pixels (default: 40 for HSPAN, from its attention memory
                          budget; 128 for other architectures; a fixed input size for models with one);
                          for HSPAN refused when one tile would not fit in this machine's memory
      --overlap N         pixels shared by neighbouring tiles, at least (default 4)
      --threads N         ONNX Runtime threads on the CPU (default: ONNX Runtime's choice)
      --self-ensemble     average the 8 flips and rotations (about 8x slower, a little sharper)
      --compare FILE      also write FILE: bicubic (left) beside HSPAN (right); single images only
                          (the image then goes through 8 bits, a 16-bit PNG too)
      --compare-region X,Y,W,H   compare only this part of the input, enlarged to 400+ px a side
      --in-place          allow an output to replace its own input
      --keep-orientation  upscale the pixels as stored (by default a photo's EXIF orientation is applied,
                          so the output is upright and needs no tag)
      --strip-metadata    write no EXIF (camera, date, GPS place) into the output; by default the input's
                          EXIF and its colour profile go with it (PNG, JPEG, WebP), and --strip-metadata
                          still keeps the colour profile, which says what the pixel values mean
      --verbose           say why CUDA did not start, in ONNX Runtime's words
    For a folder:
      --recursive         also the images in its subfolders, written to the same subfolders of OUT
      --shard K/N         only the files whose path hashes to K of N (K from 0 to N-1): N processes
                          with K = 0..N-1 share a folder between them (docs/SCALE-OUT.md)
      --overwrite         redo images whose output exists (by default a rerun skips them: outputs
                          are written whole and renamed, so one that exists is complete)
    """;

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(Usage);
    return 0;
}

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
    Console.Error.WriteLine(UpscaleArguments.InSampleTerms(e.Message));
    return 1;
}
try
{
    bool hspan = !resolver.ModelMetadata.TryGetValue("architecture", out string? architecture) || architecture == "HSPAN";
    UpscaleArguments.CheckTileFits(arguments.TileSize, resolver.Tiles, hspan);
}
catch (ArgumentException e)
{
    resolver.Dispose();
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}

using (resolver)
{
    string model = arguments.ModelPath ?? $"embedded hspan-x{resolver.Scale}{(arguments.Precision == ModelPrecision.Int8 ? "-int8" : "")}";
    Console.WriteLine($"{model}, x{resolver.Scale}, {resolver.ExecutionProvider}, tiles of {resolver.TileSize} px " +
                      $"(ready in {setup.Elapsed.TotalSeconds:F1} s)");
    if (resolver.CudaFailure is string reason)
        Console.WriteLine(arguments.Verbose
            ? $"CUDA did not start, so the CPU is used: {reason}"
            : "CUDA did not start, so the CPU is used (--provider cuda makes that an error; --verbose says why).");
    if (resolver.AttentionKernelFailure is string why)
        Console.WriteLine($"The attention runs as the model's standard ONNX operators, not the CPU kernel: {why}");

    // Ctrl+C stops between tiles: the current image is abandoned before anything of it is written.
    using var stop = new CancellationTokenSource();
    // A second Ctrl+C ends the process at once, as usual.
    Console.CancelKeyPress += (_, e) => { e.Cancel = !stop.IsCancellationRequested; stop.Cancel(); };

    if (Directory.Exists(arguments.InputPath) && !arguments.Overwrite)
    {
        int before = jobs.Count;
        // With --in-place an output that is its own input exists from the start: it is still to do.
        jobs = jobs.Where(j => !File.Exists(j.Output) || (arguments.InPlace && UpscaleArguments.SamePath(j.Output, j.Input))).ToList();
        if (jobs.Count < before)
            Console.WriteLine($"Skipped {before - jobs.Count} image(s) whose output exists (--overwrite redoes them).");
    }
    if (arguments.Shard is (int index, int count))
        Console.WriteLine($"Shard {index}/{count}: {jobs.Count} image(s) to do.");

    var progress = new ProgressBar(jobs.Count, numbered: jobs.Count > 1);
    int failed = 0;
    var total = Stopwatch.StartNew();
    foreach (var (input, output) in jobs)
    {
        var clock = Stopwatch.StartNew();
        progress.Start();
        try
        {
            UpscaledFile done;
            if (arguments.ComparePath is string comparePath)
            {
                // The comparison is drawn in 8 bits: the image goes through MLImage.
                using var image = ImageFiles.Load(input, SuperResolutionOptions.DefaultMaxInputPixels, upright: !arguments.KeepOrientation);
                Comparison.Region(image, arguments.CompareRegion);
                using var upscaled = resolver.Upscale(image, progress, stop.Token);
                var metadata = ImageFiles.ReadMetadata(input, upright: !arguments.KeepOrientation);
                ImageFiles.Save(upscaled, output, arguments.StripMetadata ? metadata.WithoutExif() : metadata);
                Comparison.Save(image, upscaled, comparePath, arguments.CompareRegion);
                done = new UpscaledFile(image.Width, image.Height, upscaled.Width, upscaled.Height, 8,
                    !ImageFiles.KeepsTransparency(output) && IsTransparent(image));
            }
            else
            {
                done = resolver.UpscaleFile(input, output, upright: !arguments.KeepOrientation, stripMetadata: arguments.StripMetadata,
                    progress: progress, cancellationToken: stop.Token);
            }
            string note = (done.BitsPerChannel == 16 ? " (16-bit)" : "") + (done.TransparencyDropped ? " (JPEG has no transparency: it was dropped)" : "");
            progress.Finished($"{Path.GetFileName(input)} {done.InputWidth}x{done.InputHeight} -> {done.OutputWidth}x{done.OutputHeight} " +
                              $"in {clock.Elapsed.TotalSeconds:F2} s: {output}{note}");
        }
        catch (OperationCanceledException)
        {
            progress.Finish();
            Console.WriteLine($"Stopped: {Path.GetFileName(input)} abandoned, nothing of it written; {progress.Done - failed} of {jobs.Count} images done.");
            return 130;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException
                                      or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            failed++;
            progress.Finished($"{Path.GetFileName(input)} FAILED: {UpscaleArguments.InSampleTerms(e.Message)}");
        }
    }
    progress.Finish();
    if (jobs.Count != 1)
        Console.WriteLine($"{jobs.Count - failed} of {jobs.Count} images in {total.Elapsed.TotalSeconds:F1} s" +
                          (failed > 0 ? $"; {failed} failed" : ""));
    return failed == 0 ? 0 : 1;
}

static bool IsTransparent(MLImage image)
{
    var pixels = image.Pixels;
    for (int i = 3; i < pixels.Length; i += 4)
        if (pixels[i] != 255) return true;
    return false;
}
