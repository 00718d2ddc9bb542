package main

import (
	"bytes"
	"strings"
	"testing"
)

func runCat(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func TestCatDecodeEncode(t *testing.T) {
	const hex = "D01A8103012180820281028D0F04546F6F6C6B697420546573742031"
	for _, args := range [][]string{
		{"cat", "decode", hex},
		{"cat", "decode", "d0 1a 81 03 01 21 80 82 02 81 02 8d 0f 04 54 6f 6f 6c 6b 69 74 20 54 65 73 74 20 31"},
		{"cat", "decode", "D01A 81030121 80", "82028102 8D0F04546F6F6C6B697420546573742031"},
	} {
		code, out, errs := runCat(t, "", args...)
		if code != 0 || !strings.Contains(out, `"type": "DISPLAY TEXT"`) || !strings.Contains(out, `"text": "Toolkit Test 1"`) {
			t.Fatalf("%v: code %d\n%s\n%s", args, code, out, errs)
		}
		code, hx, errs := runCat(t, out, "cat", "encode")
		if code != 0 || strings.TrimSpace(hx) != hex {
			t.Fatalf("encode: code %d %q %s", code, hx, errs)
		}
	}
}

func TestCatErrors(t *testing.T) {
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"cat", "decode", "D00F8103012180820281028D0F04546F6F"},
			"stkforge: cat decode: DISPLAY TEXT.Text string.value: offset 13: needs 15 bytes, 4 left\n"},
		{"", []string{"cat", "decode", "D0 1"}, "stkforge: cat decode: hex: odd number of digits\n"},
		{"", []string{"cat", "decode", "zz"}, "stkforge: cat decode: hex: character 'z' at position 0 is not a hex digit\n"},
		{"{", []string{"cat", "encode"}, "stkforge: cat encode: JSON: unexpected end of JSON input\n"},
		{`{"type":"DISPLAY TEXT"}`, []string{"cat", "encode"}, "stkforge: cat encode: command_number: missing\n"},
	} {
		code, out, errs := runCat(t, c.stdin, c.args...)
		if code != 1 || out != "" || errs != c.want {
			t.Errorf("%v: code %d, stdout %q, stderr %q; want %q", c.args, code, out, errs, c.want)
		}
	}
}
