namespace Upscale;

/// <summary>
/// One line per image; for a folder on a terminal, also a bar that redraws in place under them.
/// </summary>
internal sealed class ProgressBar(int total, bool enabled)
{
    private const int Width = 30;
    private readonly bool _redraw = enabled && !Console.IsOutputRedirected;
    private int _done;

    public void Report(string line)
    {
        _done++;
        if (_redraw) Console.Write("\r" + new string(' ', Math.Min(Console.BufferWidth - 1, Width + 20)) + "\r");
        Console.WriteLine(enabled ? $"[{_done}/{total}] {line}" : line);
        if (_redraw)
        {
            int filled = Width * _done / total;
            Console.Write($"[{new string('#', filled)}{new string('.', Width - filled)}] {_done}/{total}");
        }
    }

    public void Finish()
    {
        if (_redraw) Console.WriteLine();
    }
}
