package spec

import (
	"fmt"
	"reflect"
	"strings"
)

// Dump is a readable listing of a syntax tree: one line per field that was written, with its
// line:column, nested by indentation. Golden files hold it.
func Dump(f *File) string {
	var b strings.Builder
	if f == nil {
		return "<nil>\n"
	}
	dumpValue(&b, reflect.ValueOf(*f), "")
	return b.String()
}

func posString(p Pos) string {
	if !p.IsValid() {
		return ""
	}
	return fmt.Sprintf(" @%d:%d", p.Line, p.Col)
}

func dumpValue(b *strings.Builder, v reflect.Value, ind string) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name, fv := t.Field(i).Name, v.Field(i)
		if !t.Field(i).IsExported() || name == "Source" || name == "Pos" && ind == "" {
			continue
		}
		switch x := fv.Interface().(type) {
		case Pos:
			continue
		case Str:
			if x.Set {
				fmt.Fprintf(b, "%s%s %q%s\n", ind, name, x.Value, posString(x.Pos))
			}
		case Int:
			if x.Set {
				fmt.Fprintf(b, "%s%s %d%s\n", ind, name, x.Value, posString(x.Pos))
			}
		case Bool:
			if x.Set {
				fmt.Fprintf(b, "%s%s %t%s\n", ind, name, x.Value, posString(x.Pos))
			}
		case ActionKind:
			fmt.Fprintf(b, "%s%s %s\n", ind, name, x)
		case CondOp, LitKind, string:
			if !fv.IsZero() {
				fmt.Fprintf(b, "%s%s %v\n", ind, name, fv.Interface())
			}
		case *Template:
			if x != nil {
				fmt.Fprintf(b, "%s%s %q%s%s\n", ind, name, x.Source, posString(x.Pos), refsString(x.Refs()))
			}
		case *Ref:
			if x != nil {
				fmt.Fprintf(b, "%s%s {%s}%s\n", ind, name, x.Name, posString(x.Pos))
			}
		default:
			dumpNested(b, name, fv, ind)
		}
	}
}

func refsString(refs []*Ref) string {
	if len(refs) == 0 {
		return ""
	}
	var parts []string
	for _, r := range refs {
		parts = append(parts, fmt.Sprintf("{%s}%s", r.Name, posString(r.Pos)))
	}
	return " refs " + strings.Join(parts, " ")
}

func dumpNested(b *strings.Builder, name string, fv reflect.Value, ind string) {
	switch fv.Kind() {
	case reflect.Pointer:
		if fv.IsNil() {
			return
		}
		e := fv.Elem()
		pos := ""
		if p := e.FieldByName("Pos"); p.IsValid() {
			pos = posString(p.Interface().(Pos))
		}
		fmt.Fprintf(b, "%s%s%s\n", ind, name, pos)
		dumpValue(b, e, ind+"  ")
	case reflect.Slice:
		for i := 0; i < fv.Len(); i++ {
			dumpNested(b, fmt.Sprintf("%s[%d]", name, i), fv.Index(i), ind)
		}
	case reflect.Struct:
		if s, ok := fv.Interface().(Str); ok {
			if s.Set {
				fmt.Fprintf(b, "%s%s %q%s\n", ind, name, s.Value, posString(s.Pos))
			}
			return
		}
		fmt.Fprintf(b, "%s%s\n", ind, name)
		dumpValue(b, fv, ind+"  ")
	}
}
