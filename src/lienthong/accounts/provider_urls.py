"""The provider's endpoints at /oidc/: only what the platform uses.

django-oauth-toolkit's application-management and dynamic-registration views
are left out on purpose: clients are registered by administrators.
"""

from django.urls import path, re_path
from oauth2_provider import views as dot

from lienthong.accounts.provider import IssuerAuthorizationView, issuer_login

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", IssuerAuthorizationView.as_view(), name="authorize"),
    path("token/", dot.TokenView.as_view(), name="token"),
    path("revoke_token/", dot.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", dot.IntrospectTokenView.as_view(), name="introspect"),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        dot.ConnectDiscoveryInfoView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(".well-known/jwks.json", dot.JwksInfoView.as_view(), name="jwks-info"),
    path("userinfo/", dot.UserInfoView.as_view(), name="user-info"),
    path("logout/", dot.RPInitiatedLogoutView.as_view(), name="rp-initiated-logout"),
    path("dang-nhap/", issuer_login, name="issuer-login"),
]
