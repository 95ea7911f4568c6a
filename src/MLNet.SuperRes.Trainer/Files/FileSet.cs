using MLNet.SuperRes.Files;

namespace MLNet.SuperRes.Trainer.Files;

/// <summary>Files that belong together (an explanation's pictures and its JSON), written as <see cref="AtomicFile"/> writes one.</summary>
internal static class FileSet
{
    /// <summary>
    /// Writes several files as one set: every target is checked, every file written under a temporary name and
    /// flushed, and only then are they renamed, so a failure while writing leaves all the old files as they were.
    /// The renames themselves are not one step: should one fail, the message names the files already replaced.
    /// </summary>
    public static void Write(IReadOnlyList<(string Path, byte[] Bytes)> files)
    {
        foreach (var (path, _) in files)
            if (Directory.Exists(path))
                throw new IOException($"Cannot write '{Path.GetFullPath(path)}': a folder of that name is in the way; nothing was written.");
        var temps = new List<(string Temp, string Target)>();
        try
        {
            foreach (var (path, bytes) in files)
            {
                var full = Path.GetFullPath(path);
                FileStream stream;
                try
                {
                    stream = AtomicFile.CreateTemporary(full, ".tmp", out string temp);
                    temps.Add((temp, full));
                }
                catch (IOException e) { throw new IOException($"{e.Message}; nothing was written.", e); }
                try
                {
                    using (stream)
                    {
                        stream.Write(bytes);
                        stream.Flush(flushToDisk: true);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new IOException($"Cannot write '{full}' ({e.Message}); nothing was written.", e);
                }
            }
            for (int i = 0; i < temps.Count; i++)
            {
                try { File.Move(temps[i].Temp, temps[i].Target, overwrite: true); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    string replaced = i == 0 ? "none of the set was replaced" : $"already replaced: {string.Join(", ", temps.Take(i).Select(t => Path.GetFileName(t.Target)))}";
                    throw new IOException($"Cannot replace '{temps[i].Target}' ({e.Message}); {replaced}.", e);
                }
            }
        }
        finally
        {
            foreach (var (temp, _) in temps)
                if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
