"""Staff accounts for the console.

python -m bot.console adduser NAME            # asks for the password twice
python -m bot.console adduser NAME --role supervisor
echo "$PASSWORD" | python -m bot.console adduser NAME --password-stdin
"""

import argparse
import getpass
import sys

import sqlalchemy as sa

from bot.stores import build_stores


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.console")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("adduser", help="create a staff account (or reset its password)")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument(
        "--role",
        choices=("agent", "supervisor"),
        default="agent",
        help="a supervisor also reassigns, sees every agent's work and manages accounts",
    )
    args = parser.parse_args(argv)

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            print("The passwords differ; nothing changed.", file=sys.stderr)
            return 1
    try:
        build_stores().accounts.add_user(args.name, password, args.role)
    except ValueError as problem:
        print(f"Not created: {problem}", file=sys.stderr)
        return 1
    except sa.exc.DBAPIError:  # only the web app creates the tables
        print("Not created: the web database is not set up yet; start the web app once (make run).", file=sys.stderr)
        return 1
    print(f"Staff account '{args.name}' ({args.role}) is ready: log in at /console")
    return 0


if __name__ == "__main__":
    sys.exit(main())
