"""``huifang api_token create USER NAME`` / ``revoke PREFIX`` / ``list``."""

from django.core.management.base import BaseCommand, CommandError

from huifang.accounts import services
from huifang.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Issue, list or revoke API bearer tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token; it is printed once")
        create.add_argument("username")
        create.add_argument("name", help="what the token is for, e.g. 'HIS interface'")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix")
        sub.add_parser("list", help="list tokens (prefixes only)")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "create":
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"no user named {options['username']!r}")
            _, clear = services.api_token_create(user=user, name=options["name"])
            self.stdout.write(clear)
        elif action == "revoke":
            tokens = list(ApiToken.objects.filter(prefix=options["prefix"]))
            if len(tokens) != 1:
                raise CommandError(f"{len(tokens)} tokens have prefix {options['prefix']!r}")
            services.api_token_revoke(token=tokens[0])
            self.stdout.write(f"revoked {tokens[0].prefix}")
        else:
            for token in ApiToken.objects.select_related("user").order_by("created_at"):
                state = "revoked" if token.revoked_at else "active"
                self.stdout.write(f"{token.prefix}\t{token.user.username}\t{token.name}\t{state}")
