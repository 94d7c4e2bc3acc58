//! Azure clouds: where Resource Manager and Entra ID live and which suffix registries have.

use url::Url;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    pub name: String,
    pub arm_endpoint: Url,
    pub authority_host: Url,
    /// Registries' login-server suffix (`azurecr.io`).
    pub acr_suffix: String,
    /// Audience of ARM tokens (`https://management.azure.com`); scopes are `<audience>/.default`.
    pub arm_audience: String,
}

fn url(s: &str) -> Result<Url, String> {
    Url::parse(s).map_err(|e| format!("`{s}` is not a URL: {e}"))
}

impl Cloud {
    pub fn azure_public() -> Cloud {
        Cloud::known(
            "AzurePublic",
            "https://management.azure.com/",
            "https://login.microsoftonline.com/",
            "azurecr.io",
            "https://management.azure.com",
        )
    }

    pub fn azure_china() -> Cloud {
        Cloud::known(
            "AzureChina",
            "https://management.chinacloudapi.cn/",
            "https://login.chinacloudapi.cn/",
            "azurecr.cn",
            "https://management.chinacloudapi.cn",
        )
    }

    pub fn azure_us_government() -> Cloud {
        Cloud::known(
            "AzureUSGovernment",
            "https://management.usgovcloudapi.net/",
            "https://login.microsoftonline.us/",
            "azurecr.us",
            "https://management.usgovcloudapi.net",
        )
    }

    fn known(name: &str, arm: &str, authority: &str, suffix: &str, audience: &str) -> Cloud {
        Cloud {
            name: name.into(),
            // Constants above are valid URLs; a test covers them.
            arm_endpoint: Url::parse(arm).unwrap_or_else(|_| unreachable_url()),
            authority_host: Url::parse(authority).unwrap_or_else(|_| unreachable_url()),
            acr_suffix: suffix.into(),
            arm_audience: audience.into(),
        }
    }

    /// Any other cloud (Azure Stack, a sovereign cloud, the emulator).
    pub fn custom(
        arm_endpoint: &str,
        authority_host: &str,
        acr_suffix: &str,
        arm_audience: Option<&str>,
    ) -> Result<Cloud, String> {
        let arm = url(arm_endpoint)?;
        Ok(Cloud {
            name: "Custom".into(),
            arm_audience: arm_audience
                .map(str::to_string)
                .unwrap_or_else(|| arm.as_str().trim_end_matches('/').to_string()),
            arm_endpoint: arm,
            authority_host: url(authority_host)?,
            acr_suffix: acr_suffix.into(),
        })
    }

    /// The OAuth scope for ARM tokens.
    pub fn arm_scope(&self) -> String {
        format!("{}/.default", self.arm_audience.trim_end_matches('/'))
    }

    /// `name.azurecr.io` for a registry name, unless it is a login server already.
    pub fn login_server(&self, registry: &str) -> String {
        if registry.contains('.') || registry.contains(':') {
            registry.to_string()
        } else {
            format!("{}.{}", registry.to_ascii_lowercase(), self.acr_suffix)
        }
    }
}

fn unreachable_url() -> Url {
    // Only reached if a constant above were malformed; the unit test proves they are not.
    Url::parse("https://invalid.invalid/").unwrap_or_else(|_| panic!("static URL"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_clouds_are_valid_and_distinct() {
        let clouds = [
            Cloud::azure_public(),
            Cloud::azure_china(),
            Cloud::azure_us_government(),
        ];
        assert_eq!(clouds[0].arm_scope(), "https://management.azure.com/.default");
        assert_eq!(clouds[1].login_server("ContosoProd"), "contosoprod.azurecr.cn");
        assert_eq!(clouds[2].authority_host.as_str(), "https://login.microsoftonline.us/");
        assert!(
            clouds
                .iter()
                .all(|c| c.arm_endpoint.host_str() != Some("invalid.invalid"))
        );
    }

    #[test]
    fn custom_cloud_defaults_audience_to_arm() {
        let c = Cloud::custom("https://127.0.0.1:4000", "https://127.0.0.1:4000", "127.0.0.1", None).unwrap();
        assert_eq!(c.arm_scope(), "https://127.0.0.1:4000/.default");
        assert_eq!(c.login_server("127.0.0.1:5000"), "127.0.0.1:5000");
        assert!(Cloud::custom("not a url", "https://x", "x", None).is_err());
    }
}
