namespace MLNet.SuperRes.Files;

/// <summary>
/// Writes a file under a temporary name in the same folder, flushes it to disk and renames it over
/// the target, so a full disk or a kill leaves either the old file or the new one, never a part.
/// The folder is created when missing.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var stream = CreateTemporary(full, ".tmp", out string temp);
        try
        {
            using (stream)
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Checks, before long work whose result goes to <paramref name="path"/>, that its folder takes new files
    /// (creating the folder when missing), so the failure comes first rather than after the work.
    /// </summary>
    public static void EnsureWritable(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new IOException($"Cannot write '{full}': it is a folder; nothing was written.");
        FileStream probe;
        try { probe = CreateTemporary(full, ".probe", out _); }
        catch (IOException e) { throw new IOException($"{e.Message}; nothing was written.", e); }
        probe.Dispose();
        File.Delete(probe.Name);
    }

    /// <summary>
    /// Opens a new hidden file beside <paramref name="full"/>, unique to this process and call (its folder created
    /// when missing); a folder that does not take it is named in the error.
    /// </summary>
    public static FileStream CreateTemporary(string full, string extension, out string temp)
    {
        var folder = Path.GetDirectoryName(full)!;
        temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}-{Guid.NewGuid():N}{extension}");
        try
        {
            Directory.CreateDirectory(folder);
            return new FileStream(temp, FileMode.CreateNew, FileAccess.Write);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write '{full}': the folder '{folder}' does not take new files ({e.Message})", e);
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream => { using var writer = new StreamWriter(stream, leaveOpen: true); writer.Write(text); });

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, stream => stream.Write(bytes));
}
