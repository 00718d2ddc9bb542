package card

import (
	"os"
	"path/filepath"
)

// WriteFileAtomic replaces path with data so that a crash at any moment leaves either the old
// file or the new one, never a mix: write a temporary file in the same directory, fsync it,
// rename it over path, fsync the directory.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	ok = true
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// save writes the state file when the card has one. Callers undo their change when it fails.
func (c *Card) save() error {
	if c.saveHook != nil {
		c.saveHook()
	}
	if c.statePath == "" {
		return nil
	}
	b, err := c.snapshot().Marshal()
	if err != nil {
		return err
	}
	return WriteFileAtomic(c.statePath, b)
}

// Save writes the state file now.
func (c *Card) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.save()
}
