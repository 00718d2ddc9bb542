package card

import (
	"bytes"
	"fmt"
	"strings"
)

// ReadFile returns a copy of a file's contents by path ("3F00/7F20/6F46"): a transparent EF's
// data, or a record EF's records one after the other.
func (c *Card) ReadFile(path string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readFile(path)
}

func (c *Card) fileByPath(path string) (*file, error) {
	f := c.fs.byPath[strings.ToUpper(path)]
	if f == nil {
		return nil, fmt.Errorf("card: no file %s", path)
	}
	return f, nil
}

func (c *Card) readFile(path string) ([]byte, error) {
	f, err := c.fileByPath(path)
	if err != nil {
		return nil, err
	}
	switch {
	case f.kind == kindTransparent:
		return f.binRead(0, f.bsize), nil
	case f.kind.isRecord():
		return bytes.Join(f.records, nil), nil
	}
	return nil, fmt.Errorf("card: %s is a DF", path)
}

func (c *Card) updateFile(path string, off int, data []byte, notify bool) error {
	f, err := c.fileByPath(path)
	if err != nil {
		return err
	}
	if f.kind != kindTransparent {
		return fmt.Errorf("card: %s is not a transparent EF", path)
	}
	if off < 0 || off+len(data) > f.bsize {
		return fmt.Errorf("card: %d bytes at %d do not fit %s (%d bytes)", len(data), off, path, f.bsize)
	}
	old := f.binWrite(off, data)
	if err := c.save(); err != nil {
		f.binWrite(off, old)
		return err
	}
	if notify {
		c.fileUpdated(f)
	}
	return nil
}

// fileUpdated tells the toolkit, when it listens, that a file changed.
func (c *Card) fileUpdated(f *file) {
	if o, ok := c.tk.handler.(FileObserver); ok {
		o.FileUpdated(&Proactive{&c.tk, c}, f.path)
	}
}
