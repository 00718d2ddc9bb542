//go:build pkcs11

package pkcs11

import (
	"fmt"
	"os"
	"strings"

	"github.com/stkforge/stkforge/keys"
)

// DefaultModule is SoftHSM's library on Debian.
const DefaultModule = "/usr/lib/softhsm/libsofthsm2.so"

func init() {
	keys.RegisterProvider("pkcs11", func(spec string, create bool) (keys.KeyProvider, error) {
		cfg, err := ParseSpec(spec, os.Getenv)
		if err != nil {
			return nil, err
		}
		return Open(cfg, create)
	})
}

// ParseSpec reads "module=PATH;token=LABEL;key=LABEL" (what follows "pkcs11:" in --master-key).
// The PIN never comes from the spec: it is read from the environment variable STKFORGE_PKCS11_PIN.
func ParseSpec(spec string, getenv func(string) string) (Config, error) {
	cfg := Config{Module: DefaultModule, KeyLabel: "stkforge-master"}
	for _, part := range strings.Split(spec, ";") {
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return Config{}, fmt.Errorf("pkcs11 spec %q: %q is not KEY=VALUE", spec, part)
		}
		switch k {
		case "module":
			cfg.Module = v
		case "token":
			cfg.TokenLabel = v
		case "key":
			cfg.KeyLabel = v
		default:
			return Config{}, fmt.Errorf("pkcs11 spec %q: unknown key %q (module, token, key; the PIN comes from STKFORGE_PKCS11_PIN)", spec, k)
		}
	}
	if cfg.TokenLabel == "" {
		return Config{}, fmt.Errorf("pkcs11 spec %q: no token=LABEL", spec)
	}
	cfg.PIN = getenv("STKFORGE_PKCS11_PIN")
	if cfg.PIN == "" {
		return Config{}, fmt.Errorf("pkcs11: set the token's user PIN in STKFORGE_PKCS11_PIN")
	}
	return cfg, nil
}
