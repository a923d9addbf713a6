// Package faqimport turns a team's own documents into knowledge base entries,
// in the shapes teams actually write them.
//
// The model: a document is a list of headed sections. Each section whose
// heading names a problem, a procedure or a question becomes one Entry; a
// heading that only groups other sections ("## 배포", "Networking") is a
// container and ends up in the entries' Source path; a sub-heading that names
// a part of an answer (증상, 원인, 확인 방법, 해결 방법, 참고 or Symptoms,
// Cause, How to check, Fix, Notes) is not a section of its own but a part of
// its parent's entry. Q:/A: and 질문/답변 blocks inside a section become one
// entry each.
//
// Reading happens in three steps, one file each:
//
//   - outline.go finds the headings of a document: Markdown ATX and setext
//     headings; in plain text, underlined titles, numbered titles ("1. …",
//     "2.3 …", "1 - …"), question lines, and short title lines followed by a
//     part label (the vendor FAQ style); HTML (a wiki export) is first
//     converted to Markdown with html-to-markdown.
//   - section.go groups lines under headings, attaches parts, splits Q/A
//     blocks and decides which headings are entries and which are containers.
//   - entry.go turns each section into a knowledge.Entry: body with the
//     standard part headings in the section's language, generated example
//     questions (paraphrase patterns from the title and symptom text),
//     keywords (inline code, error strings, command names, Latin terms), and
//     the source file with the section's anchor.
//
// Code blocks are copied byte for byte. Problems (a section with no text, a
// file that is not text) are reported as file:line; the rest of the file still
// converts.
package faqimport
