// SuperResolve as one stage of an ML.NET pipeline:
//   LoadImagesChecked -> SuperResolve (x2) -> ResizeImages -> ExtractPixels -> KMeans
// The images are clustered by what they look like after super-resolution; the fitted pipeline is saved,
// loaded back in a fresh MLContext, and used through a PredictionEngine.
//
//   dotnet run -c Release --project samples/Pipeline -- [IMAGE_FOLDER] [--clusters K]
//
// Without a folder, the sample cuts the Upscale sample's test card into small images and uses those.
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SuperRes;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

int clusters = 3;
string? folder = null;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--clusters" && i + 1 < args.Length && int.TryParse(args[i + 1], out clusters) && clusters >= 2) i++;
    else if (!args[i].StartsWith("--", StringComparison.Ordinal) && folder is null) folder = args[i];
    else
    {
        Console.Error.WriteLine($"Unexpected '{args[i]}'. Usage: Pipeline [IMAGE_FOLDER] [--clusters K (2 or more, default 3)]");
        return 2;
    }
}
if (folder is not null && !Directory.Exists(folder))
{
    Console.Error.WriteLine($"Image folder '{folder}' does not exist.");
    return 2;
}
folder ??= StandInImages(Path.Combine(AppContext.BaseDirectory, "test-card.png"));

string[] files = Directory.EnumerateFiles(folder)
    .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".png" or ".jpg" or ".jpeg" or ".bmp")
    .Order(StringComparer.Ordinal).ToArray();
if (files.Length < clusters)
{
    Console.Error.WriteLine($"'{folder}' holds {files.Length} PNG/JPEG/BMP images; clustering into {clusters} needs at least that many.");
    return 2;
}

var mlContext = new MLContext(seed: 1);
var data = mlContext.Data.LoadFromEnumerable(files.Select(f => new ImageInput { Path = Path.GetFileName(f) }));

var pipeline = mlContext.Transforms.LoadImagesChecked("Image", folder, nameof(ImageInput.Path))
    .Append(mlContext.Transforms.SuperResolve("Sharp", "Image", scale: 2))
    .Append(mlContext.Transforms.ResizeImages("Small", 32, 32, "Sharp"))
    .Append(mlContext.Transforms.ExtractPixels("Features", "Small", scaleImage: 1f / 255))
    .AppendCacheCheckpoint(mlContext) // KMeans reads the data several times; super-resolve each image once
    .Append(mlContext.Clustering.Trainers.KMeans("Features", numberOfClusters: clusters));

var clock = System.Diagnostics.Stopwatch.StartNew();
using var model = pipeline.Fit(data);
Console.WriteLine($"Fitted LoadImagesChecked -> SuperResolve -> ResizeImages -> ExtractPixels -> KMeans({clusters}) on {files.Length} images in {clock.Elapsed.TotalSeconds:F1} s");

string saved = Path.Combine(Path.GetTempPath(), "superres-pipeline-sample.zip");
string partial = saved + ".partial"; // written whole, then renamed: an interrupted save leaves the old file
mlContext.Model.Save(model, data.Schema, partial);
File.Move(partial, saved, overwrite: true);
Console.WriteLine($"Saved the pipeline, default model included, to {saved} ({new FileInfo(saved).Length / 1024.0 / 1024.0:F1} MiB)");

// A fresh context, as another process would have: LoadModelChecked registers our stages and checks the file.
var loadContext = new MLContext();
using var loaded = loadContext.LoadModelChecked(saved, out _);

using var before = mlContext.Model.CreatePredictionEngine<ImageInput, ClusterPrediction>(model);
using var after = loadContext.Model.CreatePredictionEngine<ImageInput, ClusterPrediction>(loaded);
int disagreements = 0;
foreach (string file in files)
{
    var input = new ImageInput { Path = Path.GetFileName(file) };
    var original = before.Predict(input);
    uint originalCluster = original.PredictedLabel;
    original.Image?.Dispose();
    original.Sharp?.Dispose();
    var reloaded = after.Predict(input);
    Console.WriteLine($"  {input.Path,-16} {reloaded.Image!.Width}x{reloaded.Image.Height} -> {reloaded.Sharp!.Width}x{reloaded.Sharp.Height}  " +
                      $"cluster {reloaded.PredictedLabel} (distances {string.Join(" ", reloaded.Score.Select(s => s.ToString("F1")))})");
    if (reloaded.PredictedLabel != originalCluster) disagreements++;
    reloaded.Image.Dispose();
    reloaded.Sharp.Dispose();
}
File.Delete(saved);
if (disagreements > 0)
{
    Console.Error.WriteLine($"The loaded model put {disagreements} image(s) in another cluster than the fitted one.");
    return 1;
}
Console.WriteLine("The loaded pipeline predicts exactly as the fitted one.");
return 0;

// Cuts the test card into 48x48 images in a temporary folder: a stand-in data set of stars, rings, letters and discs.
static string StandInImages(string testCard)
{
    string folder = Path.Combine(Path.GetTempPath(), "superres-pipeline-sample");
    Directory.CreateDirectory(folder);
    using var card = Image.Load<Rgb24>(testCard);
    const int Side = 48;
    for (int y = 0; y + Side <= card.Height; y += Side)
        for (int x = 0; x + Side <= card.Width; x += Side)
        {
            using var crop = card.Clone(m => m.Crop(new Rectangle(x, y, Side, Side)));
            crop.SaveAsPng(Path.Combine(folder, $"card-{y / Side}-{x / Side}.png"));
        }
    return folder;
}

public sealed class ImageInput
{
    public string Path { get; set; } = "";
}

public sealed class ClusterPrediction
{
    public MLImage? Image { get; set; }
    public MLImage? Sharp { get; set; }
    public uint PredictedLabel { get; set; }
    public float[] Score { get; set; } = [];
}
