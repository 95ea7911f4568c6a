using System.Diagnostics;
using MLNet.SuperRes;

namespace Upscale;

/// <summary>
/// One line per image; on a terminal, also a live line under them with the current image's tiles and
/// ETA, and for a folder the images done.
/// </summary>
internal sealed class ProgressBar(int total, bool numbered) : IProgress<SuperResolutionProgress>
{
    private const int Width = 30;
    private readonly bool _live = !Console.IsOutputRedirected;
    private readonly Stopwatch _image = new();
    private int _done;

    public int Done => _done;

    /// <summary>Starts timing the next image.</summary>
    public void Start() => _image.Restart();

    /// <summary>The live line: tiles of the current image, and its ETA.</summary>
    public void Report(SuperResolutionProgress value)
    {
        if (!_live) return;
        double seconds = _image.Elapsed.TotalSeconds;
        double left = seconds / value.TilesDone * (value.TileCount - value.TilesDone);
        int filled = Width * value.TilesDone / value.TileCount;
        string images = numbered ? $"image {_done + 1}/{total}, " : "";
        Redraw($"[{new string('#', filled)}{new string('.', Width - filled)}] {images}tile {value.TilesDone}/{value.TileCount}, ETA {TimeSpan.FromSeconds(left):m\\:ss}");
    }

    /// <summary>Prints a finished image's line.</summary>
    public void Finished(string line)
    {
        _done++;
        Redraw("");
        Console.WriteLine(numbered ? $"[{_done}/{total}] {line}" : line);
    }

    public void Finish() => Redraw("");

    private void Redraw(string text)
    {
        if (!_live) return;
        int width = Math.Max(1, Console.BufferWidth - 1);
        Console.Write("\r" + new string(' ', width) + "\r" + (text.Length > width ? text[..width] : text));
    }
}
