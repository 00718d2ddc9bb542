// Package pkcs11 is a keys.KeyProvider whose master key is an AES-256 key object inside a PKCS #11
// token (an HSM, or SoftHSM in tests): secrets are sealed with CKM_AES_GCM in the token and the
// master key never leaves it. It needs cgo and is built only with the build tag pkcs11:
//
//	CGO_ENABLED=1 go test -tags pkcs11 ./keys/pkcs11
//
// Blobs have the same layout as keys.MasterKey's (format 1: 01 | key ID | nonce | ciphertext |
// tag), so keys.Keyring.RotateMasterKey moves a store between a key file and an HSM either way.
package pkcs11
