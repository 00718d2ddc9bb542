package main

import (
	"fmt"
	"runtime/debug"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); otherwise the module's build info is used.
var version = ""

// VersionCmd prints the version of this build.
type VersionCmd struct{}

func (c *VersionCmd) Run(env *Env) error {
	v := version
	if v == "" {
		v = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok {
			if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				v = bi.Main.Version
			}
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && len(s.Value) >= 12 {
					v += " " + s.Value[:12]
				}
			}
		}
	}
	_, err := fmt.Fprintf(env.Stdout, "stkforge %s\n", v)
	return err
}
