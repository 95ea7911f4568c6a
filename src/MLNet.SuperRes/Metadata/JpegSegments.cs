using System.Buffers.Binary;

namespace MLNet.SuperRes.Metadata;

/// <summary>A JPEG's EXIF (APP1 "Exif") and ICC profile (APP2 "ICC_PROFILE", in numbered parts) segments, read and written.</summary>
internal static class JpegSegments
{
    private const byte App0 = 0xE0, App1 = 0xE1, App2 = 0xE2;
    private static ReadOnlySpan<byte> ExifName => "Exif\0\0"u8;
    private static ReadOnlySpan<byte> IccName => "ICC_PROFILE\0"u8;

    /// <summary>The most data one segment holds: its 16-bit length counts itself.</summary>
    private const int MaxSegmentData = ushort.MaxValue - 2;

    /// <summary>The largest EXIF a JPEG can hold: one APP1 segment.</summary>
    public const int MaxExifBytes = MaxSegmentData - 6;

    public static bool Is(ReadOnlySpan<byte> file) => file.Length >= 2 && file[0] == 0xFF && file[1] == 0xD8;

    public static (byte[]? Icc, byte[]? Exif) Read(ReadOnlySpan<byte> file)
    {
        byte[]? exif = null;
        var parts = new SortedDictionary<int, byte[]>();
        int declaredParts = 0;
        foreach (var (marker, start, length) in Segments(file))
        {
            var data = file.Slice(start, length);
            if (marker == App1 && exif is null && data.StartsWith(ExifName))
                exif = data[ExifName.Length..].ToArray();
            else if (marker == App2 && data.StartsWith(IccName) && data.Length >= IccName.Length + 2)
            {
                int sequence = data[IccName.Length], count = data[IccName.Length + 1];
                declaredParts = count;
                parts.TryAdd(sequence, data[(IccName.Length + 2)..].ToArray());
            }
        }
        // A profile with a part missing is no profile.
        bool whole = declaredParts > 0 && parts.Count == declaredParts && parts.Keys.First() == 1 && parts.Keys.Last() == declaredParts;
        return (whole ? parts.Values.SelectMany(p => p).ToArray() : null, exif);
    }

    /// <summary>
    /// <paramref name="encoded"/> with the EXIF and the profile after its start (and its JFIF segment, if it has one), in
    /// place of any the encoder wrote. An EXIF too large for a segment is left out.
    /// </summary>
    public static byte[] Embed(ReadOnlySpan<byte> encoded, byte[]? icc, byte[]? exif)
    {
        using var output = new MemoryStream(encoded.Length + (icc?.Length ?? 0) + (exif?.Length ?? 0) + 64);
        output.Write(encoded[..2]);
        int rest = 2;
        var segments = Segments(encoded);
        if (segments.Count > 0 && segments[0].Marker == App0)
        {
            rest = segments[0].Start + segments[0].Length;
            output.Write(encoded[2..rest]);
        }
        if (exif is not null && exif.Length <= MaxExifBytes)
            WriteSegment(output, App1, [.. ExifName, .. exif]);
        int partSize = MaxSegmentData - IccName.Length - 2, count = icc is null ? 0 : (icc.Length + partSize - 1) / partSize;
        if (icc is not null && count <= byte.MaxValue) // the parts are numbered in a byte: a larger profile cannot be held
        {
            for (int i = 0; i < count; i++)
                WriteSegment(output, App2, [.. IccName, (byte)(i + 1), (byte)count, .. icc.AsSpan(i * partSize, Math.Min(partSize, icc.Length - i * partSize))]);
        }
        foreach (var (marker, start, length) in segments)
        {
            if (start < rest)
                continue;
            var data = encoded.Slice(start, length);
            bool replaced = (marker == App1 && data.StartsWith(ExifName)) || (marker == App2 && data.StartsWith(IccName));
            if (!replaced)
                output.Write(encoded.Slice(start - 4, length + 4));
            rest = start + length;
        }
        output.Write(encoded[rest..]);
        return output.ToArray();
    }

    /// <summary>The marker segments before the scan: marker, where the data starts, its length; a damaged one ends the walk.</summary>
    private static List<(byte Marker, int Start, int Length)> Segments(ReadOnlySpan<byte> file)
    {
        var segments = new List<(byte, int, int)>();
        int at = 2;
        while (at + 4 <= file.Length && file[at] == 0xFF)
        {
            while (at + 4 < file.Length && file[at + 1] == 0xFF)
                at++; // fill bytes before a marker
            byte marker = file[at + 1];
            if (marker is 0xDA or 0xD9 or 0xFF || marker is >= 0xD0 and <= 0xD7 || marker == 0x01)
                break; // the scan (or a marker without a length) begins: no metadata after it is read
            int length = BinaryPrimitives.ReadUInt16BigEndian(file[(at + 2)..]);
            if (length < 2 || at + 2 + length > file.Length)
                break;
            segments.Add((marker, at + 4, length - 2));
            at += 2 + length;
        }
        return segments;
    }

    private static void WriteSegment(Stream output, byte marker, ReadOnlySpan<byte> data)
    {
        Span<byte> head = [0xFF, marker, 0, 0];
        BinaryPrimitives.WriteUInt16BigEndian(head[2..], (ushort)(data.Length + 2));
        output.Write(head);
        output.Write(data);
    }
}
