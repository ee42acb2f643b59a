#!/usr/bin/env python3
# gen-status.py: generates HttplibStatus and its lookup table from data/http-status.tsv
#
# Usage: gen-status.py TABLE.tsv OUT.h OUT.c
#
# OUT.h is the public header httplib-status.h (the HttplibStatus enum, the
# alias #defines and the lookup declarations); OUT.c holds the table sorted by
# code and the lookups over it. Every check of the input names the line at
# fault and stops the build: a bad table must never become a header.
#
# Only the Python standard library is used (Debian 12's python3 runs it).

import os
import re
import sys
import textwrap

COLUMNS = ('code', 'name', 'phrase', 'description', 'reference', 'aliases')
CODE_MIN, CODE_MAX = 100, 599
PREFIX = 'HTTPLIB_STATUS_'
NAME_RE = re.compile(r'^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$')
TEXT_RE = re.compile(r'^[\x20-\x7e]*$')
WRAP = 79


class TableError(Exception):
    def __init__(self, path, lineno, message):
        super().__init__('{}:{}: error: {}'.format(path, lineno, message))


class Row:
    def __init__(self, lineno, code, name, phrase, description, reference, aliases):
        self.lineno = lineno
        self.code = code
        self.name = name
        self.phrase = phrase
        self.description = description
        self.reference = reference
        self.aliases = aliases


def check_text(path, lineno, column, value, required):
    if required and value == '':
        raise TableError(path, lineno, 'the {} column is empty'.format(column))
    if not TEXT_RE.match(value):
        raise TableError(path, lineno,
                         'the {} column {!r} holds a character outside printable ASCII'
                         .format(column, value))
    if value != value.strip():
        raise TableError(path, lineno,
                         'the {} column {!r} starts or ends with a space'.format(column, value))
    # The text goes into C comments, where these would end or nest one.
    if '*/' in value or '/*' in value:
        raise TableError(path, lineno,
                         'the {} column {!r} contains a C comment delimiter'.format(column, value))


def check_name(path, lineno, column, value):
    if not NAME_RE.match(value):
        raise TableError(path, lineno,
                         'the {} {!r} is not an upper-case C identifier such as NOT_FOUND'
                         .format(column, value))


def parse_row(path, lineno, fields):
    if len(fields) != len(COLUMNS):
        raise TableError(path, lineno,
                         'expected {} tab-separated columns ({}), found {}'
                         .format(len(COLUMNS), ', '.join(COLUMNS), len(fields)))
    code_text, name, phrase, description, reference, aliases_text = fields

    if not re.match(r'^[0-9]+$', code_text):
        raise TableError(path, lineno, 'the code {!r} is not a number'.format(code_text))
    code = int(code_text)
    if not CODE_MIN <= code <= CODE_MAX:
        raise TableError(path, lineno, 'the code {} is outside {}..{}'
                         .format(code, CODE_MIN, CODE_MAX))

    check_name(path, lineno, 'name', name)
    check_text(path, lineno, 'phrase', phrase, required=True)
    check_text(path, lineno, 'description', description, required=False)
    check_text(path, lineno, 'reference', reference, required=True)

    aliases = []
    if aliases_text != '':
        for alias in aliases_text.split(','):
            alias = alias.strip()
            check_name(path, lineno, 'alias', alias)
            aliases.append(alias)

    return Row(lineno, code, name, phrase, description, reference, aliases)


def read_table(path):
    with open(path, 'rb') as f:
        data = f.read()
    try:
        lines = data.decode('utf-8').split('\n')
    except UnicodeDecodeError as e:
        raise TableError(path, data.count(b'\n', 0, e.start) + 1,
                         'not UTF-8 text (byte 0x{:02x})'.format(data[e.start]))

    rows = []
    codes = {}
    names = {}
    header_seen = False
    for lineno, line in enumerate(lines, start=1):
        if line.endswith('\r'):
            raise TableError(path, lineno, 'carriage return at the end of the line')
        if line == '' or line.startswith('#'):
            continue
        fields = line.split('\t')
        if not header_seen:
            if tuple(fields) != COLUMNS:
                raise TableError(path, lineno,
                                 'expected the header line of the tab-separated columns '
                                 '{}, found {!r}'.format(', '.join(COLUMNS), line))
            header_seen = True
            continue

        row = parse_row(path, lineno, fields)
        if row.code in codes:
            raise TableError(path, lineno, 'duplicate code {} (first on line {})'
                             .format(row.code, codes[row.code]))
        codes[row.code] = lineno
        for name in [row.name] + row.aliases:
            if name in names:
                raise TableError(path, lineno, 'duplicate name {} (first on line {})'
                                 .format(name, names[name]))
            names[name] = lineno
        rows.append(row)

    if not header_seen or not rows:
        raise TableError(path, len(lines), 'the table has no rows')

    rows.sort(key=lambda r: r.code)
    return rows


def c_string(value):
    return '"' + value.replace('\\', '\\\\').replace('"', '\\"') + '"'


def doc_item(name, phrase, reference):
    """The `@NAME: phrase (reference)` lines of a gi-docgen comment, wrapped with an indented tail."""
    # A no-break placeholder keeps the reference on one line.
    text = '@{}: {} ({})'.format(name, phrase, reference.replace(' ', '\0'))
    lines = textwrap.wrap(text, width=WRAP - 3, subsequent_indent='  ',
                          break_on_hyphens=False, break_long_words=False)
    return [line.replace('\0', ' ') for line in lines]


def comment_lines(lines):
    return [' *' if line == '' else ' * ' + line for line in lines]


def generate_header(rows, source):
    out = []
    out.append('/* httplib-status.h: HTTP status codes')
    out.append(' *')
    out.append(' * Generated by scripts/gen-status.py from {}; do not edit. */'.format(source))
    out.append('#pragma once')
    out.append('')
    out.append('#if !defined(__HTTPLIB_H_INSIDE__) && !defined(HTTPLIB_COMPILATION)')
    out.append('#error "Only <httplib/httplib.h> can be included directly."')
    out.append('#endif')
    out.append('')
    out.append('#include <glib-object.h>')
    out.append('#include <httplib/httplib-version.h>')
    out.append('')
    out.append('G_BEGIN_DECLS')
    out.append('')

    doc = ['HttplibStatus:']
    for row in rows:
        doc += doc_item(PREFIX + row.name, row.phrase, row.reference)
    doc.append('')
    doc += textwrap.wrap(
        'The HTTP status codes of the tables of Python\'s `httplib` and '
        '`http.HTTPStatus`, each with the value of its code. '
        'httplib_status_get_phrase() gives the reason phrase of a code and '
        'httplib_status_get_description() its longer description.', width=WRAP - 3)
    doc.append('')
    doc += textwrap.wrap(
        'A server may send a code that is not listed here; '
        'httplib_response_get_status() returns it unchanged, and '
        'httplib_status_is_known() tells the two apart.', width=WRAP - 3)
    out.append('/**')
    out += comment_lines(doc)
    out.append(' */')
    out.append('typedef enum {')
    for row in rows:
        out.append('  {}{} = {},'.format(PREFIX, row.name, row.code))
    out.append('} HttplibStatus;')
    out.append('')

    for row in rows:
        for alias in row.aliases:
            doc = [PREFIX + alias + ':', '']
            doc += textwrap.wrap(
                'Another spelling of %{}{} ({} {}), kept so that both names '
                'the tables use for this code work.'
                .format(PREFIX, row.name, row.code, row.phrase), width=WRAP - 3)
            out.append('/**')
            out += comment_lines(doc)
            out.append(' */')
            out.append('#define {}{} {}{}'.format(PREFIX, alias, PREFIX, row.name))
            out.append('')

    # The GType is generated here because meson's mkenums cannot read a generated header.
    out.append('#define HTTPLIB_TYPE_STATUS (httplib_status_get_type ())')
    out.append('HTTPLIB_AVAILABLE_IN_ALL')
    out.append('GType       httplib_status_get_type        (void) G_GNUC_CONST;')
    out.append('HTTPLIB_AVAILABLE_IN_ALL')
    out.append('const char *httplib_status_get_phrase      (guint status);')
    out.append('HTTPLIB_AVAILABLE_IN_ALL')
    out.append('const char *httplib_status_get_description (guint status);')
    out.append('HTTPLIB_AVAILABLE_IN_ALL')
    out.append('gboolean    httplib_status_is_known        (guint status);')
    out.append('')
    out.append('G_END_DECLS')
    return '\n'.join(out) + '\n'


def generate_source(rows, source):
    out = []
    out.append('/* httplib-status-table.c: the HTTP status table and its lookups')
    out.append(' *')
    out.append(' * Generated by scripts/gen-status.py from {}; do not edit. */'.format(source))
    out.append('#include "httplib-status.h"')
    out.append('')
    out.append('typedef struct {')
    out.append('  guint code;')
    out.append('  const char *phrase;')
    out.append('  const char *description;')
    out.append('} StatusEntry;')
    out.append('')
    out.append('/* Sorted by code, for find_status(). */')
    out.append('static const StatusEntry status_table[] = {')
    for row in rows:
        out.append('  { ' + PREFIX + row.name + ', ' + c_string(row.phrase) + ',')
        out.append('    ' + c_string(row.description) + ' },')
    out.append('};')
    out.append('')
    out.append('static const GEnumValue status_values[] = {')
    for row in rows:
        out.append('  {{ {}{}, "{}{}", "{}" }},'.format(
            PREFIX, row.name, PREFIX, row.name, row.name.lower().replace('_', '-')))
    out.append('  { 0, NULL, NULL }')
    out.append('};')
    out.append('')
    out.append('''GType
httplib_status_get_type (void)
{
  static gsize type_id;

  if (g_once_init_enter (&type_id))
    g_once_init_leave (&type_id, g_enum_register_static (g_intern_static_string ("HttplibStatus"),
                                                         status_values));
  return type_id;
}

static const StatusEntry *
find_status (guint status)
{
  gsize lo = 0;
  gsize hi = G_N_ELEMENTS (status_table);

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (status_table[mid].code == status)
        return &status_table[mid];
      if (status_table[mid].code < status)
        lo = mid + 1;
      else
        hi = mid;
    }

  return NULL;
}

/**
 * httplib_status_get_phrase:
 * @status: an HTTP status code, such as a #HttplibStatus value
 *
 * Looks up the standard reason phrase of @status: the string that Python's
 * `http.client.responses` maps the code to, for example "Not Found" for 404.
 * The phrase a server actually sent is httplib_response_get_reason().
 *
 * Returns: (nullable): the reason phrase, or %NULL if @status is not a
 *   #HttplibStatus value
 */
const char *
httplib_status_get_phrase (guint status)
{
  const StatusEntry *entry = find_status (status);

  return entry != NULL ? entry->phrase : NULL;
}

/**
 * httplib_status_get_description:
 * @status: an HTTP status code, such as a #HttplibStatus value
 *
 * Looks up the one-sentence English description of @status that Python's
 * `HTTPStatus.description` gives, for example "Nothing matches the given URI"
 * for 404. Where Python has no description (102 Processing, the WebDAV codes
 * and some others) it is the empty string.
 *
 * Returns: (nullable): the description, or %NULL if @status is not a
 *   #HttplibStatus value
 */
const char *
httplib_status_get_description (guint status)
{
  const StatusEntry *entry = find_status (status);

  return entry != NULL ? entry->description : NULL;
}

/**
 * httplib_status_is_known:
 * @status: an HTTP status code
 *
 * Tells whether @status is one of the #HttplibStatus values. An unknown code
 * is not an error: HTTP asks a client to treat it as the x00 code of its
 * class.
 *
 * Returns: %TRUE if @status is in the table
 */
gboolean
httplib_status_is_known (guint status)
{
  return find_status (status) != NULL;
}''')
    return '\n'.join(out) + '\n'


def write_file(path, text):
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8', newline='\n') as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    if len(argv) != 4:
        sys.stderr.write('usage: {} TABLE.tsv OUT.h OUT.c\n'.format(os.path.basename(argv[0])))
        return 2
    table_path, out_h, out_c = argv[1:]

    try:
        rows = read_table(table_path)
    except TableError as e:
        sys.stderr.write('{}\n'.format(e))
        return 1
    except OSError as e:
        sys.stderr.write('{}: error: {}\n'.format(table_path, e.strerror))
        return 1

    # The comments name the table as the repository knows it, not the build's path.
    source = 'data/' + os.path.basename(table_path)
    header = generate_header(rows, source)
    table = generate_source(rows, source)
    write_file(out_h, header)
    write_file(out_c, table)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
