namespace MLNet.SuperRes.Trainer.Commands;

/// <summary>
/// A status line redrawn in place under the log lines, on a terminal; with the output redirected (a file,
/// a CI log) status is dropped and only the log lines are printed.
/// </summary>
internal sealed class LiveLine
{
    private readonly bool _live = !Console.IsOutputRedirected;
    private readonly object _gate = new();
    private string _status = "";

    public void Log(string line)
    {
        lock (_gate)
        {
            Clear();
            Console.WriteLine(line);
            if (_live && _status.Length > 0) Console.Write(_status);
        }
    }

    public void Status(string text)
    {
        if (!_live) return;
        lock (_gate)
        {
            int width = Math.Max(1, Console.BufferWidth - 1);
            _status = text.Length > width ? text[..width] : text;
            Clear();
            Console.Write(_status);
        }
    }

    public void Finish()
    {
        lock (_gate)
        {
            Clear();
            _status = "";
        }
    }

    private void Clear()
    {
        if (_live) Console.Write("\r" + new string(' ', Math.Max(1, Console.BufferWidth - 1)) + "\r");
    }
}
