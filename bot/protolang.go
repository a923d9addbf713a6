package bot

import (
	"github.com/kubemedic/kubemedic/bot/language"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

// protoLanguage is the gateway's name for a reply language.
func protoLanguage(lang string) kubemedicv1.Language {
	if lang == language.English {
		return kubemedicv1.Language_LANGUAGE_ENGLISH
	}
	return kubemedicv1.Language_LANGUAGE_KOREAN
}
