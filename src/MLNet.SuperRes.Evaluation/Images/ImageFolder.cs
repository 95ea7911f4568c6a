namespace MLNet.SuperRes.Evaluation.Images;

/// <summary>The images of a folder, as evaluation, calibration and training read them: the files with one of <see cref="RgbImage.SupportedExtensions"/>.</summary>
public static class ImageFolder
{
    /// <summary>The files of <paramref name="folder"/> with a supported extension, sorted by name (ordinal); possibly none.</summary>
    public static IReadOnlyList<string> Images(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => RgbImage.SupportedExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// The images of a folder that must hold some, sorted by name; <paramref name="description"/> names the folder in
    /// the errors ("Evaluation folder", "--calibrate folder").
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The folder holds no image of a supported format.</exception>
    public static IReadOnlyList<string> RequireImages(string folder, string description)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{description} '{folder}' does not exist.");
        var files = Images(folder);
        if (files.Count == 0)
            throw new InvalidDataException($"{description} '{folder}' holds no image ({string.Join(", ", RgbImage.SupportedExtensions)}).");
        return files;
    }
}
