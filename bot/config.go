package bot

import "github.com/kubemedic/kubemedic/platform/config"

// ApplyConfig sets the Options that the bot section of the kubemedic
// config file decides: language, Slack API URL, user identities and
// channel clusters. Secrets and gateway clients are the caller's.
func (o *Options) ApplyConfig(c config.Bot) {
	o.Language = c.Language
	o.SlackAPIURL = c.SlackAPIURL
	if len(c.Users) > 0 {
		for _, u := range c.Users {
			id := Identity{User: u.KubernetesUser, Groups: append([]string(nil), u.KubernetesGroups...)}
			if u.SlackUser != "" {
				if o.Identities == nil {
					o.Identities = map[string]Identity{}
				}
				o.Identities[u.SlackUser] = id
			}
			if u.Email != "" {
				if o.IdentitiesByEmail == nil {
					o.IdentitiesByEmail = map[string]Identity{}
				}
				o.IdentitiesByEmail[u.Email] = id
			}
		}
	}
	if len(c.Channels) > 0 {
		o.ChannelClusters = make(map[string]string, len(c.Channels))
		for _, ch := range c.Channels {
			o.ChannelClusters[ch.Channel] = ch.Cluster
			if ch.Notify {
				if o.NotifyChannels == nil {
					o.NotifyChannels = map[string]string{}
				}
				o.NotifyChannels[ch.Cluster] = ch.Channel
			}
		}
	}
}
