using System.Globalization;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Evaluation;
using MLNet.SuperRes.Files;
using MLNet.SuperRes.Trainer.Explain;
using MLNet.SuperRes.Trainer.Inference;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Commands;

/// <summary>
/// The <c>explain</c> verb: shows what each HSPA block of a model attends to for one pixel of an image, on the
/// tile SuperResolve would run that pixel in, beside softmax of the same scores (see <see cref="Explanation"/>).
/// </summary>
public static class ExplainCommand
{
    public const string Usage =
        "usage: MLNet.SuperRes.Trainer explain --model MODEL --scale S --image FILE --pixel X,Y --out DIR [--tile N] [--overlap N]\n" +
        "  --model MODEL  'default' (the embedded default model), an .onnx model written by export, or a checkpoint (.pt, .safetensors, training folder)\n" +
        "  --scale S      the model's upscaling factor (for 'default', which embedded model)\n" +
        "  --image FILE   the image (png, jpg, jpeg, webp, bmp, gif)\n" +
        "  --pixel X,Y    the query pixel: column and row in the image, from 0\n" +
        "  --out DIR      folder for attention-block{k}.png, support.png and explain.json (created when missing)\n" +
        "  --tile N       tile side in LR pixels, as SuperResolve's TileSize (default: SuperResolve's, 40 for HSPAN; 8 to 128)\n" +
        "  --overlap N    pixels shared by neighbouring tiles (default 4, less for tiles under 10), less than half the tile\n" +
        "  --verbose      print the stack trace of a failure\n" +
        "Memory grows with the fourth power of the tile side: about 0.4 GB at 40, 1 GB at 64, 4 GB at 96, 10 GB at 128.";

    public sealed record Options(string Model, int Scale, string Image, int X, int Y, string Out, TilePlan Tiling);

    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        Verb.Run("explain", Usage, args, a => Execute(Parse(a), output), output, error);

    /// <summary>Parses the arguments; throws <see cref="UsageException"/> naming what is wrong.</summary>
    public static Options Parse(string[] args)
    {
        var cl = new CommandLine(args);
        string model = cl.Required("model");
        int scale = cl.Int("scale", min: 2) ?? throw new UsageException("--scale is required.");
        string image = cl.Required("image");
        string pixel = cl.Required("pixel");
        string output = cl.Required("out");
        var tiling = EvalCommand.ReadTiling(cl) ?? TilePlan.Default;
        cl.RejectUnknown();

        var parts = pixel.Split(',');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int x)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int y))
            throw new UsageException($"--pixel must be X,Y: two whole numbers from 0 (column, row), got '{pixel}'.");
        if (File.Exists(output))
            throw new UsageException($"--out '{output}' is a file; give a folder for the pictures and explain.json.");
        if (model == "default" && !DefaultModels.Scales.Contains(scale))
            throw new UsageException($"--model default has x{string.Join(", x", DefaultModels.Scales)} models; for x{scale} give --model FILE.");
        return new Options(model, scale, image, x, y, output, tiling);
    }

    private static int Execute(Options options, TextWriter output)
    {
        using var picture = ImageFiles.Load(options.Image);
        if (options.X >= picture.Width || options.Y >= picture.Height)
            throw new UsageException($"--pixel {options.X},{options.Y} is outside '{options.Image}', which is {picture.Width}x{picture.Height}: " +
                                     $"X must be below {picture.Width} and Y below {picture.Height}.");

        using var network = EvalModels.LoadNetwork(options.Model, options.Scale);
        if (network.Config.Scale != options.Scale)
            throw new UsageException($"Model '{options.Model}' upscales by {network.Config.Scale}, but --scale is {options.Scale}.");
        string image = Path.GetFullPath(options.Image);
        if (Explanation.FileNames(network.Config.NResGroups).FirstOrDefault(name => Path.GetFullPath(Path.Combine(options.Out, name)) == image) is string clash)
            throw new UsageException($"--out '{options.Out}' would overwrite the image '{options.Image}' with {clash}; give another folder.");

        AtomicFile.EnsureWritable(Path.Combine(options.Out, Explanation.JsonFileName));

        var engine = new TiledUpscaler(new TorchTileNetwork(network, CPU), options.Tiling, selfEnsemble: false);
        var tile = engine.CutTile(picture.Pixels, picture.Width, picture.Height, picture.PixelFormat, options.X, options.Y);
        var blocks = AttentionProbe.Run(network, tile);

        var source = new TileSource(tile, options.Image, picture.Width, picture.Height, options.X, options.Y);
        var removed = new Explanation(options.Model, options.Scale, source, blocks).Write(options.Out);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Pixel ({options.X}, {options.Y}) of {source.ImageName}, in the {tile.Width}x{tile.Height} tile at ({tile.Left}, {tile.Top}) " +
            $"({blocks[0].Positions} positions):"));
        foreach (var block in blocks)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  block {block.Block}: under soft thresholding the pixel attends to {block.QueryWeights.Count(w => w > 0)} positions (softmax: all {block.Positions}); " +
                $"over the tile, support median {block.MedianSupport:0.#}, max {block.MaxSupport}, top 10 hold {block.WeightOnTop10:P0} (softmax {block.SoftmaxWeightOnTop10:P1})"));
        output.WriteLine($"Wrote {blocks.Count + 2} files to {options.Out}" +
                         (removed.Count == 0 ? "." : $"; removed {string.Join(", ", removed.Select(Path.GetFileName))}, left by an explanation of a network with more blocks."));
        return Verb.Success;
    }
}
