package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// archiveEntry is one file to put into an archive. Mode is fixed rather than
// read from disk, so the umask of the build machine does not leak into the
// archive.
type archiveEntry struct {
	Name string
	Path string
	Mode fs.FileMode
}

// Checksum is one line of SHA256SUMS.
type Checksum struct {
	SHA256 string
	Name   string
}

// zipEpoch is the earliest time a zip entry can carry, because the MS-DOS
// date field counts years from 1980.
var zipEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Package writes one archive per platform, each holding the binary and the
// license file, and writes SHA256SUMS in the format of sha256sum, so users
// can check downloads with "sha256sum -c SHA256SUMS". Every entry gets mtime
// and the entries are sorted by name, so the same binaries give byte-identical
// archives.
func (r Release) Package(licensePath string, mtime time.Time) ([]Checksum, error) {
	var sums []Checksum
	for _, p := range r.Platforms {
		entries := []archiveEntry{
			{Name: "LICENSE", Path: licensePath, Mode: 0o644},
			{Name: r.BinName(p), Path: r.BinaryPath(p), Mode: 0o755},
		}
		out := r.ArchivePath(p)
		var err error
		if strings.HasSuffix(out, ".zip") {
			err = writeZip(out, entries, mtime)
		} else {
			err = writeTarGz(out, entries, mtime)
		}
		if err != nil {
			return nil, fmt.Errorf("packaging %s: %w", p, err)
		}
		sum, err := sha256File(out)
		if err != nil {
			return nil, err
		}
		sums = append(sums, Checksum{SHA256: sum, Name: r.ArchiveName(p)})
	}
	sort.Slice(sums, func(i, j int) bool { return sums[i].Name < sums[j].Name })
	return sums, writeSums(r.SumsPath(), sums)
}

func sortedEntries(entries []archiveEntry) []archiveEntry {
	sorted := append([]archiveEntry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	return sorted
}

// writeTarGz writes a gzip-compressed USTAR archive with numeric owner 0 and
// no owner names. Go's gzip writer leaves the header's name and time empty.
func writeTarGz(out string, entries []archiveEntry, mtime time.Time) (err error) {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer closeInto(f, &err)

	gz, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, e := range sortedEntries(entries) {
		data, err := os.ReadFile(e.Path)
		if err != nil {
			return fmt.Errorf("reading archive entry %s: %w", e.Name, err)
		}
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     e.Name,
			Size:     int64(len(data)),
			Mode:     int64(e.Mode.Perm()),
			ModTime:  mtime.UTC(),
			Format:   tar.FormatUSTAR,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("writing tar header for %s: %w", e.Name, err)
		}
		if _, err := tw.Write(data); err != nil {
			return fmt.Errorf("writing %s into %s: %w", e.Name, out, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// writeZip writes a deflated zip archive whose entries carry the Unix mode,
// so the binary stays executable when unpacked on a Unix system.
func writeZip(out string, entries []archiveEntry, mtime time.Time) (err error) {
	if mtime.Before(zipEpoch) {
		mtime = zipEpoch
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer closeInto(f, &err)

	zw := zip.NewWriter(f)
	for _, e := range sortedEntries(entries) {
		data, err := os.ReadFile(e.Path)
		if err != nil {
			return fmt.Errorf("reading archive entry %s: %w", e.Name, err)
		}
		hdr := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: mtime.UTC()}
		hdr.SetMode(e.Mode.Perm())
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return fmt.Errorf("writing zip header for %s: %w", e.Name, err)
		}
		if _, err := w.Write(data); err != nil {
			return fmt.Errorf("writing %s into %s: %w", e.Name, out, err)
		}
	}
	return zw.Close()
}

// closeInto closes c and reports its error through err unless err already
// holds one, because a failed close of a written file loses data.
func closeInto(c io.Closer, err *error) {
	if cerr := c.Close(); cerr != nil && *err == nil {
		*err = cerr
	}
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func writeSums(path string, sums []Checksum) error {
	var b strings.Builder
	for _, s := range sums {
		fmt.Fprintf(&b, "%s  %s\n", s.SHA256, s.Name)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// readSums parses a SHA256SUMS file into a map from file name to checksum.
func readSums(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s not found: run make dist first", path)
		}
		return nil, err
	}
	defer f.Close()

	sums := map[string]string{}
	scanner := bufio.NewScanner(f)
	for line := 1; scanner.Scan(); line++ {
		sum, name, ok := strings.Cut(scanner.Text(), "  ")
		if !ok || !validSHA256(sum) || name == "" || filepath.Base(name) != name {
			return nil, fmt.Errorf("%s:%d: invalid line %q: expected a lowercase hex SHA-256, two spaces and a file name", path, line, scanner.Text())
		}
		sums[name] = sum
	}
	return sums, scanner.Err()
}

func validSHA256(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
