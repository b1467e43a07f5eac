# Drives a real Mutt on a pseudo-terminal, the way a person sends a mail from it: Mutt opens its
# compose screen on a draft file (-H), the driver presses Enter at the To and Subject prompts it shows
# and "y" (send) on the compose screen. Mutt then signs and encrypts with GnuPG (gpgme) and hands the
# message to its sendmail, a script the caller set. Any "Enter keyID" prompt is what a person would
# have to answer by hand: the driver reports it and gives up instead of answering.
#
# usage: python3 mutt-driver.py TIMEOUT_SECONDS mutt ARGS...   (prints one JSON line: events, screen)
import json, os, pty, re, select, sys, time

timeout = float(sys.argv[1])
args = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(args[0], args)

buf = b''
pos = 0
events = []
deadline = time.time() + timeout
ESC = re.compile(rb'\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>]')

def screen(b):
    return ESC.sub(b' ', b).decode('latin1')

status = None
while time.time() < deadline:
    done, code = os.waitpid(pid, os.WNOHANG)
    if done:
        status = code
        break
    r, _, _ = select.select([fd], [], [], 0.3)
    if fd in r:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b''
        if chunk:
            buf += chunk
            continue
    text = screen(buf[pos:])
    if 'Enter keyID' in text:
        events.append('keyid-prompt')
        break
    if 'Mail sent.' in text:
        events.append('sent')
        pos = len(buf)
        continue
    if 'y:Send' in text:
        events.append('send')
        pos = len(buf)
        os.write(fd, b'y')
        continue
    if re.search(r'(To|Subject|Cc|Bcc): [^\n]*$', text.rstrip()):
        events.append('enter')
        pos = len(buf)
        os.write(fd, b'\r')
        continue
    if re.search(r'\(\[?yes\]?/\[?no\]?(/\?)?\)', text):
        events.append('question:' + text.strip()[-120:])
        break

if status is None:
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    except OSError:
        pass
print(json.dumps({'events': events, 'exit': status, 'screen': screen(buf)[-2000:]}))
