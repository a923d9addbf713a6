package analysis

import (
	_ "embed"

	"github.com/kubemedic/kubemedic/services/knowledge/wordlist"
)

// stopwords are question words, fillers and function words, as stems (the
// analyzer checks the stem, the surface form and an English word's Porter
// stem). They carry no topic, so
// they neither match documents nor count against coverage. The list and the
// reason for each group are in data/stopwords.txt.
//
//go:embed data/stopwords.txt
var stopwordList string

var stopwords = wordlist.Set(stopwordList)

func isStopword(s string) bool { return stopwords[s] }

// Stopword reports whether a word (a stem or a surface form) carries no topic.
func Stopword(s string) bool { return isStopword(s) }
