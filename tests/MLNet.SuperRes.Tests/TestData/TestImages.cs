using Xunit;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace MLNet.SuperRes.Tests.TestData;

/// <summary>Test images, the shared data folder, and pixel comparisons.</summary>
public static class TestImages
{
    /// <summary>The team's data folder: the sibling 'shared' of the folder holding MLNet.SuperRes.sln.</summary>
    public static string SharedFolder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "MLNet.SuperRes.sln")))
                {
                    string shared = Path.Combine(dir.Parent?.FullName ?? dir.FullName, "shared");
                    if (!Directory.Exists(shared))
                        throw new DirectoryNotFoundException($"The shared data folder '{shared}' (sibling of the repository) is missing.");
                    return shared;
                }
            }
            throw new DirectoryNotFoundException($"No MLNet.SuperRes.sln above '{AppContext.BaseDirectory}': cannot locate the shared data folder.");
        }
    }

    public static string Set5Folder
    {
        get
        {
            string folder = Path.Combine(SharedFolder, "data", "Set5");
            if (!Directory.Exists(folder) || Directory.GetFiles(folder, "*.png").Length != 5)
                throw new DirectoryNotFoundException($"Set5 is missing or incomplete in '{folder}'.");
            return folder;
        }
    }

    public static string[] Set5FileNames => Directory.GetFiles(Set5Folder, "*.png").Select(Path.GetFileName).OrderBy(n => n).ToArray()!;

    /// <summary>Lets tests put MLImage members in their own classes (LoadFromEnumerable, PredictionEngine).</summary>
    public static void RegisterImageType() =>
        DataViewTypeManager.Register(new ImageDataViewType(), typeof(MLImage), (DataViewTypeAttribute?)null);

    /// <summary>A smooth opaque gradient: red along x, green along y, blue along the diagonal.</summary>
    public static MLImage Gradient(int width, int height)
    {
        var pixels = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 4;
                pixels[i + 2] = (byte)(30 + 190.0 * x / (width - 1));
                pixels[i + 1] = (byte)(30 + 190.0 * y / (height - 1));
                pixels[i + 0] = (byte)(30 + 95.0 * (x + y) / (width + height - 2));
                pixels[i + 3] = 255;
            }
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Bgra32, pixels);
    }

    /// <summary>Pseudo-random opaque noise (colour, or grey with R = G = B).</summary>
    public static MLImage Texture(int width, int height, int seed, bool greyscale = false)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height * 4];
        random.NextBytes(pixels);
        for (int i = 0; i < pixels.Length; i += 4)
        {
            if (greyscale)
                pixels[i + 1] = pixels[i + 2] = pixels[i];
            pixels[i + 3] = 255;
        }
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Bgra32, pixels);
    }

    public static MLImage Load(string fileName) => MLImage.CreateFromFile(Path.Combine(Set5Folder, fileName));

    /// <summary>The pixels as R, G, B, A bytes whatever the image's format.</summary>
    public static byte[] Rgba(MLImage image)
    {
        byte[] pixels = image.Pixels.ToArray();
        if (image.PixelFormat == MLPixelFormat.Bgra32)
            for (int i = 0; i < pixels.Length; i += 4)
                (pixels[i], pixels[i + 2]) = (pixels[i + 2], pixels[i]);
        return pixels;
    }

    /// <summary>PSNR in dB between two RGBA buffers over the R, G and B channels, 8-bit peak.</summary>
    public static double Psnr(byte[] a, byte[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double sum = 0;
        long count = 0;
        for (int i = 0; i < a.Length; i++)
        {
            if (i % 4 == 3) continue;
            double d = a[i] - b[i];
            sum += d * d;
            count++;
        }
        double mse = sum / count;
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);
    }

    public static int MaxAbsDifference(byte[] a, byte[] b)
    {
        Assert.Equal(a.Length, b.Length);
        int max = 0;
        for (int i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
