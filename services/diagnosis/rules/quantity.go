package rules

import (
	"strconv"

	"k8s.io/apimachinery/pkg/api/resource"
)

// cores formats millicores as cores the way people say them: 2000 → "2",
// 500 → "0.5", 250 → "0.25".
func cores(milli int64) string {
	return strconv.FormatFloat(float64(milli)/1000, 'f', -1, 64)
}

// bytesHuman formats a byte count in binary units with at most one decimal:
// "512Mi", "1.5Gi".
func bytesHuman(b int64) string {
	const unit = 1024
	units := []string{"", "Ki", "Mi", "Gi", "Ti", "Pi"}
	v := float64(b)
	i := 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		s = s[:len(s)-2]
	}
	return s + units[i]
}

func milli(q resource.Quantity) int64 { return q.MilliValue() }
