// The library from GJS: a GET, a form POST and a state-changed handler,
// against the loopback server whose port is in HTTPLIB_TEST_PORT.
imports.gi.versions.Httplib = '1.0';
const {GLib, Httplib} = imports.gi;
const System = imports.system;

let failures = 0;
let number = 0;

function check(condition, what) {
    number++;
    print(`${condition ? 'ok' : 'not ok'} ${number} - ${what}`);
    if (!condition)
        failures++;
}

function text(bytes) {
    return new TextDecoder().decode(bytes.toArray());
}

function main() {
    const port = parseInt(GLib.getenv('HTTPLIB_TEST_PORT'));
    print('1..9');

    const conn = Httplib.Connection.new('127.0.0.1', port);
    conn.set_timeout(10);
    const states = [];
    conn.connect('state-changed', (c, oldState, newState) => {
        states.push(`${oldState}>${newState}`);
    });

    conn.request('GET', '/', null, null, null);
    const r1 = conn.get_response(null);
    check(r1.status === 200 && r1.reason === 'OK', `GET status ${r1.status} ${r1.reason}`);
    check(text(r1.read(-1, null)) === '<html>hello</html>', 'GET body');

    const headers = Httplib.Headers.new();
    headers.append('Content-type', 'application/x-www-form-urlencoded');
    headers.append('Accept', 'text/plain');
    conn.request_string('POST', '/cgi-bin/query', '%40number=12524&%40type=issue', headers, null);
    const r2 = conn.get_response(null);
    check(r2.status === 302 && r2.reason === 'Found', `POST status ${r2.status} ${r2.reason}`);
    check(r2.get_header('Location', null) === 'http://127.0.0.1/issue12524', 'POST Location');
    check(text(r2.read(-1, null)).startsWith('Redirecting to'), 'POST body');
    conn.close();

    const S = Httplib.ConnectionState;
    const expected = [
        [S.DISCONNECTED, S.CONNECTING], [S.CONNECTING, S.IDLE],
        [S.IDLE, S.REQUEST_STARTED], [S.REQUEST_STARTED, S.REQUEST_SENT],
        [S.REQUEST_SENT, S.RESPONSE_ACTIVE], [S.RESPONSE_ACTIVE, S.IDLE],
        [S.IDLE, S.REQUEST_STARTED], [S.REQUEST_STARTED, S.REQUEST_SENT],
        [S.REQUEST_SENT, S.RESPONSE_ACTIVE], [S.RESPONSE_ACTIVE, S.IDLE],
        [S.IDLE, S.CLOSED],
    ].map(([a, b]) => `${a}>${b}`);
    check(states.join(' ') === expected.join(' '), `state-changed in order: ${states.join(' ')}`);

    try {
        Httplib.Connection.new('127.0.0.1:notaport', 0);
        check(false, 'a bad port throws');
    } catch (e) {
        check(e instanceof GLib.Error &&
              e.matches(Httplib.error_quark(), Httplib.Error.INVALID_URL),
        `a bad port throws INVALID_URL: ${e}`);
    }

    check(Httplib.status_get_phrase(Httplib.Status.NOT_FOUND) === 'Not Found', 'status phrase');
    check(Httplib.Status.NOT_FOUND === 404, 'status value');
}

try {
    main();
} catch (e) {
    printerr(`not ok - uncaught: ${e}\n${e.stack}`);
    failures++;
}
System.exit(failures ? 1 : 0);
