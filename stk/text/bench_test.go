package text

import "testing"

// A 10-item SET UP MENU of a Chinese mobile banking card: title and item texts, all UCS2 (80).
var menuZH = []string{"手机银行", "余额查询", "转账汇款", "支付", "话费充值", "账单查询", "缴费", "理财", "设置", "帮助", "退出"}

// The same menu in Russian, where EncodeAlpha picks 81 with base 0400.
var menuRU = []string{"Мобильный банк", "Баланс", "Перевод", "Оплата", "Пополнение", "Выписка",
	"Платежи", "Вклады", "Настройки", "Помощь", "Выход"}

func benchEncodeMenu(b *testing.B, menu []string) {
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for _, s := range menu {
			var err error
			if buf, err = AppendAlpha(buf, s); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(menu)), "ns/text")
	b.ReportMetric(float64(len(buf)), "menu-bytes")
}

func benchDecodeMenu(b *testing.B, menu []string) {
	encs := make([][]byte, len(menu))
	for i, s := range menu {
		encs[i], _ = EncodeAlpha(s)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, e := range encs {
			if _, err := DecodeAlpha(e); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(menu)), "ns/text")
}

// BenchmarkMenuUCS2 encodes and decodes the texts of a 10-item UCS2 menu (title + 10 items);
// ns/op is the whole menu, ns/text one alpha identifier.
func BenchmarkMenuUCS2(b *testing.B) {
	b.Run("encode/zh-80", func(b *testing.B) { benchEncodeMenu(b, menuZH) })
	b.Run("decode/zh-80", func(b *testing.B) { benchDecodeMenu(b, menuZH) })
	b.Run("encode/ru-81", func(b *testing.B) { benchEncodeMenu(b, menuRU) })
	b.Run("decode/ru-81", func(b *testing.B) { benchDecodeMenu(b, menuRU) })
}

// BenchmarkTextPacked decodes and re-encodes the 7-bit packed USSD string of cat-send-ussd-01
// (56 octets, 64 septets) and a 160-character DISPLAY TEXT (140 octets).
func BenchmarkTextPacked(b *testing.B) {
	long := ""
	for len(long) < 160 {
		long += "Pay 100.00 to ACME? "
	}
	long = long[:160]
	for _, c := range []struct {
		name string
		s    string
	}{
		{"ussd-64", "ABCDEFGHIJKLMNOPQRSTUVWXYZ-abcdefghijklmnopqrstuvwxyz-1234567890"},
		{"display-160", long},
	} {
		data, _ := EncodeText(c.s, DCSGSM7)
		b.Run("decode/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeText(DCSGSM7, data); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(data))*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
		})
		b.Run("encode/"+c.name, func(b *testing.B) {
			buf := make([]byte, 0, 256)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := AppendText(buf[:0], c.s, DCSGSM7); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(data))*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
		})
	}
}
