package remote

import (
	"archive/zip"
	"bytes"
	"io"
	"path"
)

// capLoadOrder is the order in which a CAP file's components are loaded (Java Card VM
// specification 6.2): Header, Directory, Import, Applet, Class, Method, StaticField, Export,
// ConstantPool, ReferenceLocation, then Descriptor if wanted. Debug is never loaded.
var capLoadOrder = []string{"Header", "Directory", "Import", "Applet", "Class", "Method", "StaticField",
	"Export", "ConstantPool", "RefLocation"}

// CAPComponents reads a CAP file (a JAR: components under <package path>/javacard/) and returns
// its components in load order, the optional ones only when present. withDescriptor adds the
// Descriptor component at the end.
func CAPComponents(capFile []byte, withDescriptor bool) ([][]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(capFile), int64(len(capFile)))
	if err != nil {
		return nil, &Error{Field: "cap", Err: ErrInvalid, Msg: err.Error()}
	}
	byName := map[string]*zip.File{}
	for _, f := range zr.File {
		if path.Base(path.Dir(f.Name)) != "javacard" || path.Ext(f.Name) != ".cap" {
			continue
		}
		name := path.Base(f.Name)
		name = name[:len(name)-len(".cap")]
		if _, dup := byName[name]; dup {
			return nil, errorf(ErrInvalid, "cap."+name, 0, "two %s components (more than one package?)", name)
		}
		byName[name] = f
	}
	order := capLoadOrder
	if withDescriptor {
		order = append(order[:len(order):len(order)], "Descriptor")
	}
	var out [][]byte
	for _, name := range order {
		f, ok := byName[name]
		if !ok {
			if name == "Header" || name == "Directory" || name == "Import" || name == "Class" || name == "Method" ||
				name == "StaticField" || name == "ConstantPool" || name == "RefLocation" {
				return nil, errorf(ErrTruncated, "cap."+name, 0, "mandatory component missing")
			}
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, &Error{Field: "cap." + name, Err: ErrInvalid, Msg: err.Error()}
		}
		b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
		rc.Close()
		if err != nil {
			return nil, &Error{Field: "cap." + name, Err: ErrInvalid, Msg: err.Error()}
		}
		out = append(out, b)
	}
	return out, nil
}
